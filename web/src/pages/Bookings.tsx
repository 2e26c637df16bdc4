import { useState } from "preact/hooks";
import { get, qs } from "../api";
import { bookingLines } from "../components/TicketTypes";
import { ErrorBox, Loading, Title, useAsync } from "../components/ui";
import { money, when } from "../format";
import type { Booking, Page } from "../types";

export function Bookings() {
  const [cursor, setCursor] = useState<string>();
  const [prev, setPrev] = useState<(string | undefined)[]>([]);
  const page = useAsync(() => get<Page<Booking>>("/me/bookings" + qs({ cursor, limit: 20 })), [cursor]);
  return (
    <>
      <Title>My bookings</Title>
      <ErrorBox error={page.error} />
      {page.loading && !page.data ? <Loading /> : page.data && (
        page.data.items.length === 0 ? <p>No bookings yet. <a href="/">Find an event</a></p> : (
          <table class="list">
            <caption class="sr-only">Bookings, newest first</caption>
            <thead><tr><th scope="col">Reference</th><th scope="col">Booked</th><th scope="col">Tickets</th><th scope="col">Total</th><th scope="col">Status</th></tr></thead>
            <tbody>
              {page.data.items.map((b) => (
                <tr key={b.booking_id}>
                  <td><a href={(b.status === "held" ? "/checkout/" : "/orders/") + b.booking_id}>{b.booking_reference}</a></td>
                  <td>{when(b.created_at)}</td>
                  <td>{bookingLines(b).map((l) => `${l.ticket_type_name} × ${l.quantity}`).join(", ")}</td>
                  <td>{money(b.total)}</td>
                  <td><span class={"status " + b.status}>{b.status}</span></td>
                </tr>
              ))}
            </tbody>
          </table>
        )
      )}
      <Pager prev={prev.length > 0} next={page.data?.next_cursor}
        onPrev={() => { setCursor(prev[prev.length - 1]); setPrev(prev.slice(0, -1)); }}
        onNext={(c) => { setPrev([...prev, cursor]); setCursor(c); }} />
    </>
  );
}

export function Pager({ prev, next, onPrev, onNext }: { prev: boolean; next?: string; onPrev: () => void; onNext: (c: string) => void }) {
  if (!prev && !next) return null;
  return (
    <nav class="pager" aria-label="Pages">
      <button type="button" class="secondary" disabled={!prev} onClick={onPrev}>Previous page</button>
      <button type="button" class="secondary" disabled={!next} onClick={() => next && onNext(next)}>Next page</button>
    </nav>
  );
}
