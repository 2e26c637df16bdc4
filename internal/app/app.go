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

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/bookmyevent/bookmyevent/internal/booking"
	"github.com/bookmyevent/bookmyevent/internal/catalog"
	"github.com/bookmyevent/bookmyevent/internal/config"
	"github.com/bookmyevent/bookmyevent/internal/dynamo"
	"github.com/bookmyevent/bookmyevent/internal/eventbus"
	"github.com/bookmyevent/bookmyevent/internal/expiry"
	"github.com/bookmyevent/bookmyevent/internal/logging"
	"github.com/bookmyevent/bookmyevent/internal/notify"
	"github.com/bookmyevent/bookmyevent/internal/onsale"
	"github.com/bookmyevent/bookmyevent/internal/payments"
	"github.com/bookmyevent/bookmyevent/internal/search"
	"github.com/bookmyevent/bookmyevent/internal/tickets"
	"github.com/bookmyevent/bookmyevent/internal/tracing"
	"github.com/bookmyevent/bookmyevent/internal/waitlist"
	"github.com/bookmyevent/bookmyevent/internal/waitqueue"
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
	return catalog.NewService(dynamo.New(dynamodb.NewFromConfig(awsConfig()), c.TableName), Clock)
}

// Availability is the cached seat counts of events and how stale they may be.
func Availability() (*catalog.AvailabilityReader, time.Duration) {
	c := load(config.LoadAvailability)
	store := dynamo.New(dynamodb.NewFromConfig(awsConfig()), c.TableName)
	return catalog.NewAvailabilityReader(store, c.CacheTTL, Clock), c.CacheTTL
}

// Search is the OpenSearch index of published events.
func Search() *search.Index { return index(load(config.LoadSearch)) }

// Reindex is the index and the table it is rebuilt from.
func Reindex() (*search.Index, *dynamo.Catalog) {
	c := load(config.LoadSearch)
	return index(c), dynamo.New(dynamodb.NewFromConfig(awsConfig()), c.TableName)
}

func index(c config.Search) *search.Index {
	ix, err := search.New(search.Config{URL: c.OpenSearchURL, Alias: c.Index})
	if err != nil {
		logging.Fatal("opensearch", err)
	}
	return ix
}

// Bookings is the booking service without the ticket signer: reads, confirmations
// (which publish booking.confirmed) and cancellations (which wake the waitlist worker
// when the seats go to the line).
func Bookings() *booking.Service { return newWaiting(load(config.LoadWaitlist)).bookings }

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

// OnSale is the reservation: reserve, else release lapsed holds, else join the line.
func OnSale() *onsale.Service {
	w := newWaiting(load(config.LoadWaitlist))
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

func newWaiting(c config.Waitlist) waiting {
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
	svc := newBookings(db, store, c.Booking, booking.Deps{Bus: bus, Line: queue})
	return waiting{
		bookings: svc,
		line:     waitlist.NewService(dynamo.NewWaitlist(store), queue, svc, bus, c.OfferFor),
		sweeper:  expiry.New(store, store, queue, bus, expiry.Config{}),
	}
}

// newBookings completes d with the store, payments and the event and promo code caches
// of c (codes for as long as events: the transaction repeats both).
func newBookings(db *dynamodb.Client, store *dynamo.Bookings, c config.Booking, d booking.Deps) *booking.Service {
	d.Store, d.Payments = store, payments.NewSimulated(dynamo.NewPaymentLedger(db, c.TableName))
	d.Events = booking.NewEventCache(store, c.EventCacheTTL)
	d.Codes = booking.NewCodeCache(store, c.EventCacheTTL)
	return booking.NewService(d, booking.Config{HoldFor: c.HoldFor, RateLimit: c.RateLimit})
}
