package main

import (
	"fmt"

	"github.com/bookmyevent/bookmyevent/internal/capacity"
)

func init() {
	register("capacity", "simulate one event's on-sale with sharded inventory and an admission queue", capacityCmd)
}

func capacityCmd(args []string) error {
	fs := newFlagSet("capacity", "[--seats N] [--buyers N] [--arrival-seconds N]")
	base := capacity.OnSale(1, 0)
	seats := fs.Int("seats", base.Seats, "event capacity")
	buyers := fs.Int("buyers", base.Buyers, "people trying to buy")
	arrival := fs.Int("arrival-seconds", base.ArrivalSeconds, "buyers arrive evenly over this many seconds")
	_ = fs.Parse(args)

	fmt.Printf("%d seats, %d buyers over %d s, 1..%d seats each; %d tx/s per item, %d WRU/s table, %d WRU per reservation\n\n",
		*seats, *buyers, *arrival, base.MaxQuantity, base.ItemTxPerSecond, base.TableWRUPerSecond, base.WRUPerReservation)
	fmt.Printf("%6s %8s %10s %10s %8s %8s %9s %9s %8s %9s %9s\n",
		"shards", "admit/s", "sold-out-s", "mean res/s", "peak/s", "leftover", "fallback", "throttled", "gave-up", "wait-p50", "wait-p99")
	for _, admit := range []int{0, 3000} {
		for _, n := range []int{1, 2, 4, 8, 16, 32} {
			c := capacity.OnSale(n, admit)
			c.Seats, c.Buyers, c.ArrivalSeconds = *seats, *buyers, *arrival
			r := capacity.Simulate(c)
			fmt.Printf("%6d %8d %10d %10.0f %8d %8d %8.1f%% %8.1f%% %8d %8ds %8ds\n", n, admit, r.SellOutSecond+1, r.MeanPerSecond,
				r.PeakPerSecond, r.Leftover, 100*r.FallbackRate(), 100*r.ThrottleRate(), r.GaveUp, r.QueueWaitP50, r.QueueWaitP99)
		}
	}

	s := capacity.Stadium(1, 0, 0)
	fmt.Printf("\nAs designed (docs/waiting-room.md): %d seats, 1 a buyer; %d in the pre-queue, %d more join over %d s (%d WRU a join,\n"+
		"placed %d s later); %d WRU a reservation, confirmed %d s later (%d WRU, same shard); the admitter as built (waitroom.Step)\n\n",
		s.Seats, s.PreQueue, s.Buyers, s.ArrivalSeconds, s.WRUPerJoin, s.SealDelay, s.WRUPerReservation, s.ConfirmDelay, s.WRUPerConfirmation)
	fmt.Printf("%6s %8s %9s %10s %10s %8s %9s %9s %8s %9s %9s %12s\n",
		"shards", "admit/s", "table-WRU", "sold-out-s", "mean res/s", "peak/s", "throttled", "conf-thr", "paused-s", "wait-p50", "wait-p99", "confirmed-s")
	for _, row := range []struct{ shards, admit, table int }{
		{32, 5000, 40000}, {32, 5000, 100000}, {16, 5000, 150000}, {32, 5000, 150000}, {64, 5000, 150000}, {32, 3000, 100000},
	} {
		r := capacity.Simulate(capacity.Stadium(row.shards, row.admit, row.table))
		fmt.Printf("%6d %8d %9d %10d %10.0f %8d %8.1f%% %9d %8d %8ds %8ds %12d\n", row.shards, row.admit, row.table, r.SellOutSecond+1,
			r.MeanPerSecond, r.PeakPerSecond, 100*r.ThrottleRate(), r.ConfirmThrottled, r.Paused, r.QueueWaitP50, r.QueueWaitP99, r.ConfirmDoneAt+1)
	}

	cal, t := capacity.Measured, capacity.DefaultAWSTimes
	fmt.Printf("\nOn AWS, calibrated (measured locally: %d WRU and %d round trip a reservation, %d WRU and %d round trips a confirmation,\n"+
		"%d WRU a join; assumed on AWS: %s a DynamoDB round trip, %s Lambda overhead, %s a payment)\n\n",
		cal.WRUPerReservation, cal.ReservationRoundTrips, cal.WRUPerConfirmation, cal.ConfirmationRoundTrips, cal.WRUPerJoin, t.RoundTrip, t.Overhead, t.Payment)
	fmt.Printf("%6s %8s %9s %10s %10s %11s %11s %11s %11s %10s %8s\n",
		"shards", "admit/s", "table-WRU", "sold-out-s", "answer-p99", "peak-WRU/s", "peak-API/s", "lambda-conc", "requests", "WRU", "bill")
	for _, row := range []struct{ shards, admit, table int }{{32, 5000, 100000}, {32, 5000, 40000}} {
		c := capacity.Calibrated(row.shards, row.admit, row.table, cal)
		r := capacity.Simulate(c)
		p := capacity.OnAWS(c, r, cal, t)
		fmt.Printf("%6d %8d %9d %10d %9ds %11d %11d %11d %11d %10d %7.2f$\n", row.shards, row.admit, row.table, r.SellOutSecond+1, r.AnswerP99,
			p.TableWRU, p.APIRequests, p.LambdaConcurrency, p.Requests, p.WRU, p.Total)
		if row.table == 100000 {
			fmt.Printf("  quotas: table write throughput >= %d WRU/s (on-demand maximum + warm throughput), HTTP API >= %d RPS (default 10,000),\n"+
				"  Lambda concurrency >= %d (default 1,000); bill: DynamoDB $%.2f + API Gateway $%.2f + Lambda $%.2f = $%.2f\n",
				p.TableWRU, p.APIRequests, p.LambdaConcurrency, p.DynamoDB, p.API, p.Lambda, p.Total)
		}
	}
	return nil
}
