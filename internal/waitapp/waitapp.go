// Package waitapp assembles the booking, waitlist and hold-expiry services on AWS clients built
// from the default configuration (which honours AWS_ENDPOINT_URL, so the local stack
// needs nothing here), for the functions' main packages: each builds App once, outside
// its handler, and hands the part it serves to lambda.Start.
package waitapp

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/bookmyevent/bookmyevent/internal/booking"
	"github.com/bookmyevent/bookmyevent/internal/config"
	"github.com/bookmyevent/bookmyevent/internal/dynamo"
	"github.com/bookmyevent/bookmyevent/internal/eventbus"
	"github.com/bookmyevent/bookmyevent/internal/expiry"
	"github.com/bookmyevent/bookmyevent/internal/notify"
	"github.com/bookmyevent/bookmyevent/internal/payments"
	"github.com/bookmyevent/bookmyevent/internal/tickets"
	"github.com/bookmyevent/bookmyevent/internal/tracing"
	"github.com/bookmyevent/bookmyevent/internal/waitlist"
	"github.com/bookmyevent/bookmyevent/internal/waitqueue"
)

// App is everything the waitlist and expiry functions use.
type App struct {
	Bookings *booking.Service
	Waitlist *waitlist.Service
	Sweeper  *expiry.Sweeper
	Events   notify.Publisher
	Clock    func() time.Time
}

// Open builds the App from cfg.
func Open(ctx context.Context, cfg config.Waitlist) (*App, error) {
	aws, err := tracing.LoadAWSConfig(ctx)
	if err != nil {
		return nil, err
	}
	db := dynamodb.NewFromConfig(aws)
	store := dynamo.NewBookings(db, cfg.TableName)
	var events notify.Publisher = notify.Log{}
	if cfg.EventBus != "" {
		events = eventbus.New(eventbridge.NewFromConfig(aws), cfg.EventBus)
	}
	store.Publish(events)
	var queue *waitqueue.Queue
	if cfg.QueueURL != "" {
		queue = waitqueue.New(sqs.NewFromConfig(aws), cfg.QueueURL)
		store.NotifyFreed(queue)
	}
	svc, err := newBookings(db, store, cfg.Booking)
	if err != nil {
		return nil, err
	}
	app := &App{Bookings: svc, Events: events, Clock: time.Now}
	// A nil *Queue must not become a non-nil interface holding nil.
	var nudger interface {
		Nudge(ctx context.Context, eventID string) error
	}
	if queue != nil {
		nudger = queue
	}
	app.Waitlist = waitlist.NewService(dynamo.NewWaitlist(store), nudger, svc, events, cfg.OfferFor)
	app.Sweeper = expiry.New(store, store, nudger, events, expiry.Config{})
	svc.WithSoldOut(booking.SoldOutHooks{Lapsed: app.Sweeper, Waitlist: app.Waitlist})
	return app, nil
}

// OpenBookings builds the booking service alone, for the routes that neither free seats
// nor put buyers in line (reads, tickets, check-in, stats).
func OpenBookings(ctx context.Context, cfg config.Booking) (*booking.Service, error) {
	aws, err := tracing.LoadAWSConfig(ctx)
	if err != nil {
		return nil, err
	}
	db := dynamodb.NewFromConfig(aws)
	return newBookings(db, dynamo.NewBookings(db, cfg.TableName), cfg)
}

func newBookings(db *dynamodb.Client, store *dynamo.Bookings, cfg config.Booking) (*booking.Service, error) {
	signer, err := tickets.NewSigner(cfg.TicketKey)
	if err != nil {
		return nil, err
	}
	return booking.NewService(store, payments.NewSimulated(dynamo.NewPaymentLedger(db, cfg.TableName)), signer,
		booking.NewEventCache(store, cfg.EventCacheTTL), booking.Config{HoldFor: cfg.HoldFor, RateLimit: cfg.RateLimit}), nil
}
