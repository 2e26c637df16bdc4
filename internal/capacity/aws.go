package capacity

import (
	"math"
	"time"
)

// Calibration is what the local stack measured of the code as built (docs/capacity.md
// has the commands): write units and DynamoDB round trips of each request, counted by
// dynamo.WithMeter in BenchmarkReserve and BenchmarkConfirm.
type Calibration struct {
	WRUPerReservation  int // one reservation transaction of 4 items
	WRUPerConfirmation int // the claim (1) and the transaction: booking and shard (4); an unsharded event's adds the stats item (6)
	WRUPerJoin         int // the queue entry and its gsi2 entry
	// Round trips to DynamoDB of a warm instance (event cached).
	ReservationRoundTrips, ConfirmationRoundTrips int
}

// Measured is the calibration of this code base (BenchmarkReserve: 8.0 capacity-units/op,
// 1 ddb-call/op warm; a confirmation on a sharded event, as the stadium's are:
// dynamo's TestShardedConfirmationCost, 5.0 and 2; BenchmarkConfirm's unsharded one 7.0).
var Measured = Calibration{WRUPerReservation: 8, WRUPerConfirmation: 5, WRUPerJoin: 2,
	ReservationRoundTrips: 1, ConfirmationRoundTrips: 2}

// Calibrated is the Stadium on-sale with the measured costs in place of the design's.
func Calibrated(shards, admitPerSecond, tableWRU int, cal Calibration) Config {
	c := Stadium(shards, admitPerSecond, tableWRU)
	c.WRUPerReservation, c.WRUPerConfirmation, c.WRUPerJoin = cal.WRUPerReservation, cal.WRUPerConfirmation, cal.WRUPerJoin
	return c
}

// AWSTimes are the latencies on AWS the model assumes (this machine cannot measure
// them: moto answers in milliseconds of Python): one DynamoDB round trip in the
// Region, a warm Lambda's own time per request, and the payment provider's charge.
type AWSTimes struct {
	RoundTrip, Overhead, Payment time.Duration
}

// DefaultAWSTimes: DynamoDB single-digit milliseconds (transactions ~2x), a Go arm64
// Lambda's few milliseconds, a Stripe PaymentIntent confirm of a few hundred.
var DefaultAWSTimes = AWSTimes{RoundTrip: 10 * time.Millisecond, Overhead: 5 * time.Millisecond, Payment: 400 * time.Millisecond}

// Plan is an on-sale on AWS: the quotas it needs and what it costs.
type Plan struct {
	TableWRU          int // the table's write throughput at the peak (on-demand maximum and warm throughput)
	APIRequests       int // HTTP API requests in the busiest second
	LambdaConcurrency int // concurrent executions at the peak
	Requests          int // API requests in all, pre-queue joins and polls included
	WRU               int
	DynamoDB, API     float64 // dollars
	Lambda, Total     float64
}

// Prices (us-east-1, on-demand, arm64), dollars.
const (
	pricePerWRU       = 0.625 / 1e6
	pricePerRequest   = 1.00 / 1e6 // HTTP API
	pricePerInvoke    = 0.20 / 1e6
	pricePerGBSecond  = 0.0000133334
	lambdaGB          = 0.25 // template.yaml's MemorySize
	preQueuePollsEach = 3    // polls of a pre-queue client before its expected turn (docs/waiting-room.md §2)
)

// OnAWS prices a simulated on-sale: r is Simulate(c).
func OnAWS(c Config, r Result, cal Calibration, t AWSTimes) Plan {
	reserve := t.Overhead + time.Duration(cal.ReservationRoundTrips)*2*t.RoundTrip // transactions take ~2 round trips' time
	confirm := t.Overhead + time.Duration(cal.ConfirmationRoundTrips)*t.RoundTrip + t.RoundTrip + t.Payment
	light := t.Overhead + t.RoundTrip // joins and polls (polls mostly read nothing)
	// The busiest second: its reservations and confirmations, the rest joins and polls.
	reservations := r.PeakPerSecond
	other := max(r.PeakRequests-reservations-r.PeakConfirms, 0)
	conc := float64(reservations)*reserve.Seconds() + float64(r.PeakConfirms)*confirm.Seconds() + float64(other)*light.Seconds()
	p := Plan{TableWRU: r.PeakWRU, APIRequests: r.PeakRequests, LambdaConcurrency: int(math.Ceil(conc))}
	p.Requests = r.TotalRequests + c.PreQueue*(1+preQueuePollsEach)
	p.WRU = r.TotalWRU + c.PreQueue*c.WRUPerJoin
	others := p.Requests - r.Attempts - r.Confirmed - r.ConfirmThrottled
	gbs := lambdaGB * (float64(r.Attempts)*reserve.Seconds() + float64(r.Confirmed+r.ConfirmThrottled)*confirm.Seconds() + float64(others)*light.Seconds())
	p.DynamoDB = float64(p.WRU) * pricePerWRU
	p.API = float64(p.Requests) * pricePerRequest
	p.Lambda = float64(p.Requests)*pricePerInvoke + gbs*pricePerGBSecond
	p.Total = p.DynamoDB + p.API + p.Lambda
	return p
}
