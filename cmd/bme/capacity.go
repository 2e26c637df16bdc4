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
	return nil
}
