import { useState } from "preact/hooks";
import { get, qs } from "../api";
import { ErrorBox, Title, useAsync, usePoll } from "../components/ui";
import { money, when } from "../format";
import type { Booking, Event, Page, Stats } from "../types";
import { ConsoleNav } from "./Console";

interface Point {
  t: number;
  sold: number;
}

export interface Series {
  name: string;
  points: Point[];
}

// salesSeries is the cumulative tickets sold over time, from confirmed bookings: all of
// them first, then one series per ticket type (from the bookings' lines) when there are
// several.
export function salesSeries(bookings: Booking[]): Series[] {
  const sold = bookings
    .filter((b) => b.confirmed_at && (b.status === "confirmed" || b.status === "cancelled"))
    .sort((a, b) => a.confirmed_at!.localeCompare(b.confirmed_at!));
  const all: Point[] = [];
  const byType = new Map<string, Point[]>();
  let total = 0;
  const counts = new Map<string, number>();
  for (const b of sold) {
    const t = new Date(b.confirmed_at!).getTime();
    all.push({ t, sold: (total += b.quantity) });
    for (const l of b.lines ?? []) {
      const n = (counts.get(l.ticket_type_name) ?? 0) + l.quantity;
      counts.set(l.ticket_type_name, n);
      if (!byType.has(l.ticket_type_name)) byType.set(l.ticket_type_name, []);
      byType.get(l.ticket_type_name)!.push({ t, sold: n });
    }
  }
  const out: Series[] = [{ name: "All tickets", points: all }];
  if (byType.size > 1) for (const [name, points] of byType) out.push({ name, points });
  return out;
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
  const [series, setSeries] = useState<Series[]>([]);
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
          <table class="list" data-testid="by-type">
            <caption>By ticket type</caption>
            <thead><tr><th scope="col">Type</th><th scope="col">Sold</th><th scope="col">Held</th><th scope="col">Available</th><th scope="col">For the waitlist</th><th scope="col">Revenue</th><th scope="col">Checked in</th></tr></thead>
            <tbody>
              {(stats.ticket_types ?? []).map((t) => (
                <tr key={t.ticket_type_id} data-type={t.name}>
                  <th scope="row">{t.name}</th><td data-stat="sold">{t.sold}</td><td data-stat="held">{t.held}</td>
                  <td data-stat="available">{t.available} / {t.capacity}</td><td>{t.offering}</td>
                  <td data-stat="revenue">{money(t.revenue)}</td><td data-stat="checked_in">{t.checked_in}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      <h2>Tickets sold over time</h2>
      <Chart series={series} capacity={stats?.capacity ?? e?.capacity ?? 0} />
    </>
  );
}

const colours = ["#1a5fb4", "#26a269", "#c64600", "#813d9c", "#986a44"];

function Chart({ series, capacity }: { series: Series[]; capacity: number }) {
  const W = 600, H = 200, P = 30;
  const all = series[0]?.points ?? [];
  if (all.length === 0) return <p class="muted">No sales yet.</p>;
  const t0 = all[0]!.t, t1 = Math.max(Date.now(), all[all.length - 1]!.t, t0 + 60_000);
  const top = Math.max(capacity, all[all.length - 1]!.sold, 1);
  const x = (t: number) => P + ((t - t0) / (t1 - t0)) * (W - 2 * P);
  const y = (n: number) => H - P - (n / top) * (H - 2 * P);
  const path = (points: Point[]) => {
    let d = `M${x(t0)} ${y(0)}`;
    for (const p of points) d += ` H${x(p.t).toFixed(1)} V${y(p.sold).toFixed(1)}`;
    return d + ` H${x(t1).toFixed(1)}`;
  };
  const last = all[all.length - 1]!;
  const label = series.map((s) => `${s.name} ${s.points[s.points.length - 1]?.sold ?? 0}`).join(", ");
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`Tickets sold over time: ${label}, of ${capacity}, by ${when(new Date(last.t).toISOString())}`}>
        <line x1={P} y1={H - P} x2={W - P} y2={H - P} stroke="#888" />
        <line x1={P} y1={P} x2={P} y2={H - P} stroke="#888" />
        <line x1={P} y1={y(capacity)} x2={W - P} y2={y(capacity)} stroke="#c33" stroke-dasharray="4 4" />
        {series.map((s, i) => (
          <path key={s.name} d={path(s.points)} fill="none" stroke={colours[i % colours.length]} stroke-width={i === 0 ? 2.5 : 1.5}
            stroke-dasharray={i === 0 ? undefined : "6 3"} />
        ))}
        <text x={P + 4} y={y(capacity) - 4} font-size="11">capacity {capacity}</text>
        <text x={P} y={H - 8} font-size="11">{new Date(t0).toLocaleTimeString()}</text>
        <text x={W - P} y={H - 8} font-size="11" text-anchor="end">{new Date(t1).toLocaleTimeString()}</text>
      </svg>
      <figcaption>
        {series.map((s, i) => (
          <span key={s.name} class="legend"><span class="swatch" style={{ background: colours[i % colours.length] }} aria-hidden="true" />
            {s.name}: {s.points[s.points.length - 1]?.sold ?? 0} sold</span>
        ))}
      </figcaption>
    </figure>
  );
}
