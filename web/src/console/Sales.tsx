import { useState } from "preact/hooks";
import { get, qs } from "../api";
import { ticketTypes } from "../components/TicketTypes";
import { ErrorBox, Title, useAsync, usePoll } from "../components/ui";
import { money, when } from "../format";
import type { Booking, Event, Page, Stats } from "../types";
import { ConsoleNav } from "./Console";

interface Point {
  t: number;
  sold: number;
}

// salesSeries is the cumulative tickets sold over time, from confirmed bookings.
export function salesSeries(bookings: Booking[]): Point[] {
  const sold = bookings
    .filter((b) => b.confirmed_at && (b.status === "confirmed" || b.status === "cancelled"))
    .map((b) => ({ t: new Date(b.confirmed_at!).getTime(), n: b.quantity }))
    .sort((a, b) => a.t - b.t);
  let total = 0;
  return sold.map((s) => ({ t: s.t, sold: (total += s.n) }));
}

async function allBookings(id: string): Promise<Booking[]> {
  const out: Booking[] = [];
  let cursor: string | undefined;
  // Enough for the chart of a busy on-sale; the list page pages through the rest.
  for (let i = 0; i < 10; i++) {
    const p = await get<Page<Booking>>(`/admin/events/${id}/bookings` + qs({ cursor, limit: 100 }));
    out.push(...p.items);
    if (!p.next_cursor) break;
    cursor = p.next_cursor;
  }
  return out;
}

// Sales is the live on-sale view: the counters refresh every 3 s, the chart every 10 s.
export function Sales({ id }: { id: string }) {
  const ev = useAsync(() => get<Event>("/admin/events/" + id), [id]);
  const [stats, setStats] = useState<Stats>();
  const [series, setSeries] = useState<Point[]>([]);
  const [error, setError] = useState<unknown>();
  const [at, setAt] = useState("");
  usePoll(() => {
    get<Stats>(`/admin/events/${id}/stats`).then((s) => { setStats(s); setAt(new Date().toISOString()); setError(undefined); }, setError);
  }, 3000, [id]);
  usePoll(() => {
    allBookings(id).then((b) => setSeries(salesSeries(b)), setError);
  }, 10000, [id]);

  const e = ev.data;
  return (
    <>
      <ConsoleNav id={id} />
      <Title>{"Sales" + (e ? ": " + e.name : "")}</Title>
      <ErrorBox error={error ?? ev.error} />
      {stats && (
        <>
          <dl class="stats" aria-live="polite">
            <div><dt>Sold</dt><dd data-stat="sold">{stats.sold}</dd></div>
            <div><dt>Held</dt><dd data-stat="held">{stats.held}</dd></div>
            <div><dt>Available</dt><dd data-stat="available">{stats.available}</dd></div>
            <div><dt>For the waitlist</dt><dd data-stat="offering">{stats.offering}</dd></div>
            <div><dt>Revenue</dt><dd data-stat="revenue">{money(stats.revenue)}</dd></div>
            <div><dt>Checked in</dt><dd data-stat="checked_in">{stats.checked_in}</dd></div>
          </dl>
          <p class="muted">Capacity {stats.capacity} · updated {at && when(at)}</p>
          {e && (
            <table class="list">
              <caption>By ticket type</caption>
              <thead><tr><th scope="col">Type</th><th scope="col">Price</th><th scope="col">Sold</th><th scope="col">Held</th><th scope="col">Available</th></tr></thead>
              <tbody>
                {/* TODO(issue 10): per-type counters once stats carry them. */}
                {ticketTypes(e, stats.available).map((t) => (
                  <tr key={t.id}><th scope="row">{t.name}</th><td>{money(t.price)}</td><td>{stats.sold}</td><td>{stats.held}</td><td>{stats.available}</td></tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
      <h2>Tickets sold over time</h2>
      <Chart points={series} capacity={stats?.capacity ?? e?.capacity ?? 0} />
    </>
  );
}

function Chart({ points, capacity }: { points: Point[]; capacity: number }) {
  const W = 600, H = 200, P = 30;
  if (points.length === 0) return <p class="muted">No sales yet.</p>;
  const t0 = points[0]!.t, t1 = Math.max(Date.now(), points[points.length - 1]!.t, t0 + 60_000);
  const top = Math.max(capacity, points[points.length - 1]!.sold, 1);
  const x = (t: number) => P + ((t - t0) / (t1 - t0)) * (W - 2 * P);
  const y = (n: number) => H - P - (n / top) * (H - 2 * P);
  let d = `M${x(t0)} ${y(0)}`;
  for (const p of points) d += ` H${x(p.t).toFixed(1)} V${y(p.sold).toFixed(1)}`;
  d += ` H${x(t1).toFixed(1)}`;
  const last = points[points.length - 1]!;
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`Tickets sold over time: ${last.sold} of ${capacity} by ${when(new Date(last.t).toISOString())}`}>
        <line x1={P} y1={H - P} x2={W - P} y2={H - P} stroke="#888" />
        <line x1={P} y1={P} x2={P} y2={H - P} stroke="#888" />
        <line x1={P} y1={y(capacity)} x2={W - P} y2={y(capacity)} stroke="#c33" stroke-dasharray="4 4" />
        <path d={d} fill="none" stroke="#1a5fb4" stroke-width="2" />
        <text x={P + 4} y={y(capacity) - 4} font-size="11">capacity {capacity}</text>
        <text x={P} y={H - 8} font-size="11">{new Date(t0).toLocaleTimeString()}</text>
        <text x={W - P} y={H - 8} font-size="11" text-anchor="end">{new Date(t1).toLocaleTimeString()}</text>
      </svg>
      <figcaption>{last.sold} sold</figcaption>
    </figure>
  );
}
