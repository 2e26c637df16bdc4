import { useState } from "preact/hooks";
import { get, qs } from "../api";
import { ErrorBox, Loading, Select, Title, useAsync } from "../components/ui";
import { money, when } from "../format";
import { Pager } from "../pages/Bookings";
import { bookingLines } from "../components/TicketTypes";
import type { Booking, Page, WaitlistEntry } from "../types";
import { ConsoleNav } from "./Console";

function usePaged<T>(path: (cursor?: string) => string, deps: unknown[]) {
  const [cursor, setCursor] = useState<string>();
  const [prev, setPrev] = useState<(string | undefined)[]>([]);
  const page = useAsync(() => get<Page<T>>(path(cursor)), [cursor, ...deps]);
  const pager = (
    <Pager prev={prev.length > 0} next={page.data?.next_cursor}
      onPrev={() => { setCursor(prev[prev.length - 1]); setPrev(prev.slice(0, -1)); }}
      onNext={(c) => { setPrev([...prev, cursor]); setCursor(c); }} />
  );
  const reset = () => { setCursor(undefined); setPrev([]); };
  return { page, pager, reset };
}

// BookingsList shows an event's bookings, their lines, payments and refunds. Buyers cancel
// (and are refunded by the policy) themselves; the API has no organiser-made refund.
export function BookingsList({ id }: { id: string }) {
  const [status, setStatus] = useState("");
  const { page, pager, reset } = usePaged<Booking>((cursor) => `/admin/events/${id}/bookings` + qs({ status, cursor, limit: 25 }), [status]);
  return (
    <>
      <ConsoleNav id={id} />
      <Title>Bookings</Title>
      <Select label="Status" value={status} onChange={(e) => { setStatus((e.target as HTMLSelectElement).value); reset(); }}>
        <option value="">All</option>
        <option value="held">Held</option>
        <option value="confirmed">Confirmed</option>
        <option value="cancelled">Cancelled</option>
        <option value="expired">Expired</option>
      </Select>
      <ErrorBox error={page.error} />
      {page.loading && !page.data ? <Loading /> : page.data && (
        <table class="list">
          <caption class="sr-only">Bookings</caption>
          <thead><tr><th scope="col">Reference</th><th scope="col">Buyer</th><th scope="col">Tickets</th><th scope="col">Total</th><th scope="col">Status</th><th scope="col">Refund</th><th scope="col">Created</th></tr></thead>
          <tbody>
            {page.data.items.map((b) => (
              <tr key={b.booking_id}>
                <td>{b.booking_reference}{b.source === "waitlist" && <small class="muted"> (waitlist)</small>}</td>
                <td><small>{b.user_id}</small></td>
                <td>{bookingLines(b).map((l) => `${l.ticket_type_name} × ${l.quantity}`).join(", ")}</td>
                <td>{money(b.total)}{b.discount && b.discount.amount > 0 && <small class="muted"> ({money(b.discount)} off{b.promo_code ? ", " + b.promo_code : ""})</small>}</td>
                <td><span class={"status " + b.status}>{b.status}</span></td>
                <td>{b.refund ? `${money(b.refund.amount)} (${b.refund.percent}%, ${b.refund.status})` : ""}</td>
                <td>{when(b.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {pager}
    </>
  );
}

export function WaitlistList({ id }: { id: string }) {
  const { page, pager } = usePaged<WaitlistEntry>((cursor) => `/admin/events/${id}/waitlist` + qs({ cursor, limit: 25 }), []);
  return (
    <>
      <ConsoleNav id={id} />
      <Title>Waitlist</Title>
      <ErrorBox error={page.error} />
      {page.loading && !page.data ? <Loading /> : page.data && (
        page.data.items.length === 0 ? <p>Nobody is waiting.</p> : (
          <table class="list">
            <caption class="sr-only">The line, in join order</caption>
            <thead><tr><th scope="col">Position</th><th scope="col">Buyer</th><th scope="col">Tickets</th><th scope="col">Status</th><th scope="col">Offer until</th><th scope="col">Joined</th></tr></thead>
            <tbody>
              {page.data.items.map((w) => (
                <tr key={w.entry_id}>
                  <td>{w.position ?? ""}</td>
                  <td><small>{w.user_id}</small></td>
                  <td>{w.quantity}</td>
                  <td><span class={"status " + w.status}>{w.status.replace("_", " ")}</span></td>
                  <td>{w.offer ? when(w.offer.expires_at) : ""}</td>
                  <td>{when(w.joined_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )
      )}
      {pager}
    </>
  );
}
