// Package app builds what a function serves, from the configuration template.yaml puts
// in its environment, on AWS clients from the default configuration (which honours
// AWS_ENDPOINT_URL, so the local stack needs nothing here). Each constructor reads the
// settings its functions need, sets up logging, and ends the process with a logged error
// when something is missing: a function that cannot start must say why at cold start,
// not answer 500s. A main.go calls one of them outside its handler and hands the result
// to lambda.Start.
package app

import (
	"context"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/bookmyevent/bookmyevent/internal/api"
	"github.com/bookmyevent/bookmyevent/internal/booking"
	"github.com/bookmyevent/bookmyevent/internal/catalog"
	"github.com/bookmyevent/bookmyevent/internal/config"
	"github.com/bookmyevent/bookmyevent/internal/dynamo"
	"github.com/bookmyevent/bookmyevent/internal/eventbus"
	"github.com/bookmyevent/bookmyevent/internal/expiry"
	"github.com/bookmyevent/bookmyevent/internal/logging"
	"github.com/bookmyevent/bookmyevent/internal/mail"
	"github.com/bookmyevent/bookmyevent/internal/metrics"
	"github.com/bookmyevent/bookmyevent/internal/notifier"
	"github.com/bookmyevent/bookmyevent/internal/notify"
	"github.com/bookmyevent/bookmyevent/internal/onsale"
	"github.com/bookmyevent/bookmyevent/internal/payments"
	"github.com/bookmyevent/bookmyevent/internal/payments/stripe"
	"github.com/bookmyevent/bookmyevent/internal/promo"
	"github.com/bookmyevent/bookmyevent/internal/search"
	"github.com/bookmyevent/bookmyevent/internal/secrets"
	"github.com/bookmyevent/bookmyevent/internal/tickets"
	"github.com/bookmyevent/bookmyevent/internal/tracing"
	"github.com/bookmyevent/bookmyevent/internal/waitlist"
	"github.com/bookmyevent/bookmyevent/internal/waitqueue"
	"github.com/bookmyevent/bookmyevent/internal/waitroom"
)

// Clock is the time every use case is run at.
var Clock = time.Now

// load reads a configuration and sets up logging from its LOG_LEVEL.
func load[C interface{ Level() slog.Level }](read func(config.Getenv) (C, error)) C {
	c, err := read(os.Getenv)
	if err != nil {
		logging.Fatal("config", err)
	}
	logging.Setup(c.Level())
	return c
}

func awsConfig() aws.Config {
	c, err := tracing.LoadAWSConfig(context.Background())
	if err != nil {
		logging.Fatal("aws", err)
	}
	return c
}

// Catalog is the catalogue service: venues and events, for admins and the public.
func Catalog() *catalog.Service {
	c := load(config.LoadCatalog)
	store := dynamo.New(dynamodb.NewFromConfig(awsConfig()), c.TableName)
	// Public reads show hidden ticket types to a code that unlocks them.
	return catalog.NewService(store, Clock).WithCodes(promo.Lookup(store, config.DefaultAvailabilityCacheTTL, Clock))
}

// Availability is the cached seat counts of events and how stale they may be.
func Availability() (*catalog.AvailabilityReader, time.Duration) {
	c := load(config.LoadAvailability)
	store := dynamo.New(dynamodb.NewFromConfig(awsConfig()), c.TableName)
	return catalog.NewAvailabilityReader(store, c.CacheTTL, Clock).WithCodes(promo.Lookup(store, c.CacheTTL, Clock)), c.CacheTTL
}

// Search is the OpenSearch index of published events.
func Search() *search.Index { return index(load(config.LoadSearch)) }

// Reindex is the index and the table it is rebuilt from.
func Reindex() (*search.Index, *dynamo.Catalog) {
	c := load(config.LoadSearch)
	return index(c), dynamo.New(dynamodb.NewFromConfig(awsConfig()), c.TableName)
}

func index(c config.Search) *search.Index {
	ix, err := search.New(search.Config{URL: c.OpenSearchURL, Alias: c.Index, Timeout: c.Timeout})
	if err != nil {
		logging.Fatal("opensearch", err)
	}
	return ix
}

// Bookings is the booking service without the ticket signer: reads, confirmations
// (which publish booking.confirmed) and cancellations (which wake the waitlist worker
// when the seats go to the line).
func Bookings() *booking.Service { return newWaiting(load(config.LoadWaitlist)).bookings }

// Payments is the booking service charging and refunding through the provider
// PAYMENT_PROVIDER chooses (Stripe unless told otherwise), for the functions that move
// money: confirming and cancelling. Only they (and the webhook) read Stripe's secret key.
func Payments() *booking.Service {
	c := load(config.LoadStripe)
	return newWaitingWith(c.Waitlist, provider(c), nil).bookings
}

// provider is the payment provider c chooses; Stripe's secret key comes from SSM.
func provider(c config.Stripe) func(*dynamodb.Client) payments.Provider {
	if c.Provider == config.ProviderSimulated {
		return simulated(c.Waitlist)
	}
	key, err := secrets.Parameter(context.Background(), c.SecretKeyParam)
	if err != nil {
		logging.Fatal("ssm", err)
	}
	p, err := stripe.New(stripe.Config{SecretKey: key, APIBase: c.APIBase, Retries: 2})
	if err != nil {
		logging.Fatal("stripe", err)
	}
	return func(*dynamodb.Client) payments.Provider { return p }
}

// simulated is the simulated provider on the table's ledger.
func simulated(c config.Waitlist) func(*dynamodb.Client) payments.Provider {
	return func(db *dynamodb.Client) payments.Provider {
		return payments.NewSimulated(dynamo.NewPaymentLedger(db, c.TableName))
	}
}

// StripeWebhook verifies Stripe's deliveries and hands payment outcomes to the booking
// service, which confirms, records a decline or refunds through Stripe.
func StripeWebhook() *stripe.Webhook {
	c := load(config.LoadStripeWebhook)
	secret, err := secrets.Parameter(context.Background(), c.WebhookSecretParam)
	if err != nil {
		logging.Fatal("ssm", err)
	}
	svc := newWaitingWith(c.Waitlist, provider(c), nil).bookings
	// Stripe retries a delivery for three days; a day more covers late ones.
	deliveries := dynamo.NewDeliveries(dynamodb.NewFromConfig(awsConfig()), c.TableName, dynamo.DeliveriesStripe, 96*time.Hour)
	return &stripe.Webhook{Secret: secret, Outcomes: outcomes{svc}, Deliveries: deliveries}
}

// Tickets is the booking service with the ticket signer, for the functions that issue
// or check tickets: only they read the signing key.
func Tickets() *booking.Service {
	c := load(config.LoadTickets)
	signer, err := tickets.NewSigner(c.TicketKey)
	if err != nil {
		logging.Fatal("tickets", err)
	}
	db := dynamodb.NewFromConfig(awsConfig())
	return newBookings(db, dynamo.NewBookings(db, c.TableName), c.Booking, booking.Deps{Signer: signer})
}

// Notifier mails buyers about domain events through SES, with the tickets of a
// confirmation signed as the door checks them: it is one of the functions given the key.
func Notifier() *notifier.Notifier {
	c := load(config.LoadNotifier)
	signer, err := tickets.NewSigner(c.TicketKey)
	if err != nil {
		logging.Fatal("tickets", err)
	}
	cfg := awsConfig()
	db := dynamodb.NewFromConfig(cfg)
	return &notifier.Notifier{
		Directory: notifier.Lookup{Bookings: dynamo.NewBookings(db, c.TableName), Events: dynamo.New(db, c.TableName), Signer: signer},
		Sender:    &mail.SES{Client: sesv2.NewFromConfig(cfg), From: c.From},
		// A month covers any redrive of the notifier's DLQ (14 days' retention).
		Deliveries: dynamo.NewDeliveries(db, c.TableName, dynamo.DeliveriesMail, 30*24*time.Hour),
		From:       c.From,
		ConfirmURL: c.ConfirmURL,
		Now:        Clock,
	}
}

// OnSale is the reservation: reserve (with an admission token while the event's
// waiting room is on), else release lapsed holds, else join the line.
func OnSale() *onsale.Service {
	c := load(config.LoadOnSale)
	keys, err := waitroom.ParseKeys(c.AdmissionKeys)
	if err != nil {
		logging.Fatal("config", err)
	}
	w := newWaitingWith(c.Waitlist, simulated(c.Waitlist), &waitroom.Gate{Keys: keys})
	return onsale.New(w.bookings, w.sweeper, w.line)
}

// Waitlist is the waitlist service: joining, leaving, offers.
func Waitlist() *waitlist.Service { return newWaiting(load(config.LoadWaitlist)).line }

// Sweeper is the hold expiry sweep.
func Sweeper() *expiry.Sweeper { return newWaiting(load(config.LoadWaitlist)).sweeper }

// waiting is the services that free seats or put buyers in line, on one store.
type waiting struct {
	bookings *booking.Service
	line     *waitlist.Service
	sweeper  *expiry.Sweeper
}

func newWaiting(c config.Waitlist) waiting { return newWaitingWith(c, simulated(c), nil) }

// newWaitingWith builds the services on c with the payment provider pay; gate (nil but
// for the reservation function) admits reservations of events with a waiting room.
func newWaitingWith(c config.Waitlist, pay func(*dynamodb.Client) payments.Provider, gate *waitroom.Gate) waiting {
	cfg := awsConfig()
	db := dynamodb.NewFromConfig(cfg)
	store := dynamo.NewBookings(db, c.TableName)
	var bus notify.Publisher = notify.Log{}
	if c.EventBus != "" {
		bus = eventbus.New(eventbridge.NewFromConfig(cfg), c.EventBus)
	}
	// Without a queue the nudgers stay nil interfaces, never non-nil ones holding nil.
	var queue interface {
		Nudge(ctx context.Context, eventID string) error
	}
	if c.QueueURL != "" {
		queue = waitqueue.New(sqs.NewFromConfig(cfg), c.QueueURL)
	}
	svc := newBookings(db, store, c.Booking, booking.Deps{Bus: bus, Line: queue, Payments: pay(db), Gate: gate})
	return waiting{
		bookings: svc,
		line:     waitlist.NewService(dynamo.NewWaitlist(store), queue, svc, bus, c.OfferFor),
		sweeper:  expiry.New(store, store, queue, bus, expiry.Config{}),
	}
}

// newBookings completes d with the store, the simulated provider unless d has one, and
// the event and promo code caches of c (codes for as long as events: the transaction
// repeats both).
func newBookings(db *dynamodb.Client, store *dynamo.Bookings, c config.Booking, d booking.Deps) *booking.Service {
	d.Store = store
	if d.Payments == nil {
		d.Payments = payments.NewSimulated(dynamo.NewPaymentLedger(db, c.TableName))
	}
	d.Events = booking.NewEventCache(store, c.EventCacheTTL)
	d.Codes = booking.NewCodeCache(store, c.EventCacheTTL)
	return booking.NewService(d, booking.Config{HoldFor: c.HoldFor, RateLimit: c.RateLimit})
}

// TicketTypes is the admin service for an event's ticket types.
func TicketTypes() *catalog.TypeService {
	c := load(config.LoadCatalog)
	return catalog.NewTypeService(dynamo.New(dynamodb.NewFromConfig(awsConfig()), c.TableName), Clock)
}

// PromoCodes is the admin service for an event's promo codes.
func PromoCodes() *promo.Service {
	c := load(config.LoadCatalog)
	store := dynamo.New(dynamodb.NewFromConfig(awsConfig()), c.TableName)
	return promo.NewService(store, store, Clock)
}

// Queue is the waiting room's join and position routes.
func Queue() *api.Queue {
	c := load(config.LoadQueue)
	keys, err := waitroom.ParseKeys(c.AdmissionKeys)
	if err != nil {
		logging.Fatal("config", err)
	}
	store := dynamo.New(dynamodb.NewFromConfig(awsConfig()), c.TableName)
	return api.NewQueue(catalog.NewService(store, Clock), dynamo.NewQueue(store, 0), keys, c.JoinLimit)
}

// Admit is the admitter's scheduled run: one-second steps under the lease until shortly
// before the invocation's deadline. The request id names the lease's owner, so a second
// invocation overlapping this one cannot take the lease it holds. Admission pauses while
// the reservation function's transactions are being retried (its high-resolution
// TransactionRetries against its Reservations, the last 5 s from CloudWatch): DynamoDB
// throttling the reservation path.
func Admit() func(context.Context) error {
	c := load(config.LoadAdmit)
	cfg := awsConfig()
	queue := dynamo.NewQueue(dynamo.New(dynamodb.NewFromConfig(cfg), c.TableName), 0)
	var throttled func(context.Context, string) bool
	if c.ReservationFunction != "" {
		throttled = ThrottleSignal(metrics.Reader{CW: cloudwatch.NewFromConfig(cfg), Service: c.ReservationFunction}, Clock)
	}
	return func(ctx context.Context) error {
		owner := "admit"
		if lc, ok := lambdacontext.FromContext(ctx); ok {
			owner = lc.AwsRequestID
		}
		deadline, ok := ctx.Deadline()
		if !ok {
			deadline = Clock().Add(time.Minute)
		}
		a := waitroom.NewAdmitter(queue, owner)
		a.Throttled = throttled
		a.Record = recordRoom
		return a.Run(ctx, deadline)
	}
}

// ThrottleSignal is the admitter's Throttled: the reservation function's
// TransactionRetries against its Reservations over the last waitroom.ThrottleWindow, read
// from CloudWatch. An unreadable signal is no signal: admission goes on.
func ThrottleSignal(r metrics.Reader, now func() time.Time) func(context.Context, string) bool {
	return func(ctx context.Context, _ string) bool {
		// One table serves every event, so its throttling pauses every room.
		sums, err := r.Sums(ctx, now(), waitroom.ThrottleWindow, "TransactionRetries", "Reservations")
		if err != nil {
			slog.WarnContext(ctx, "throttle signal unread", "error", err)
			return false
		}
		return waitroom.Throttling(sums["TransactionRetries"], sums["Reservations"])
	}
}

// recordRoom emits the admitter's metrics as EMF, per function only: a dimension per
// event would be a billed custom metric each (the admitter's log names the room).
func recordRoom(_ context.Context, name, _ string, v float64) {
	unit := metrics.Count
	if name == waitroom.MetricStepAge {
		unit = metrics.Seconds
	}
	metrics.Default().Put(name, v, unit)
}

// outcomes hands Stripe's payment outcomes to the booking service.
type outcomes struct{ svc *booking.Service }

func outcomeOf(p stripe.Payment) booking.PaymentOutcome {
	return booking.PaymentOutcome{BookingID: p.BookingID, ChargeID: p.IntentID,
		Amount: booking.Money{Amount: p.Amount, Currency: p.Currency}, DeclineCode: p.DeclineCode}
}

func (o outcomes) Succeeded(ctx context.Context, p stripe.Payment) error {
	return o.svc.PaymentSucceeded(ctx, outcomeOf(p), Clock())
}

func (o outcomes) Failed(ctx context.Context, p stripe.Payment) error {
	return o.svc.PaymentFailed(ctx, outcomeOf(p), Clock())
}
