import { useState } from "preact/hooks";
import { get, post } from "../api";
import { QR } from "../components/QR";
import { bookingLines, OrderLines } from "../components/TicketTypes";
import { ErrorBox, Loading, Notice, Title, useAsync } from "../components/ui";
import { money, refundAmount, refundPercent, when } from "../format";
import type { Params } from "../router";
import type { Booking, Event, Ticket } from "../types";

// Order shows a booking with its tickets as QR codes (printable), and cancels it with the
// refund the policy gives, shown before the buyer confirms.
export function Order({ params }: { params: Params }) {
  const id = params.id!;
  const b = useAsync(() => get<Booking>("/bookings/" + id), [id]);
  const ev = useAsync(() => (b.data ? get<Event>("/events/" + b.data.event_id, { auth: false }) : Promise.resolve(undefined)), [b.data?.event_id]);
  const tickets = useAsync(
    () => (b.data?.status === "confirmed" ? get<{ tickets: Ticket[] }>(`/bookings/${id}/tickets`).then((r) => r.tickets) : Promise.resolve([])),
    [b.data?.status],
  );
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();

  if (b.loading && !b.data) return <Loading />;
  if (!b.data) return (<><Title>Order</Title><ErrorBox error={b.error} /></>);
  const booking = b.data;
  const e = ev.data;
  const pct = e ? refundPercent(e.starts_at) : 0;
  // The policy refunds each line on its own, rounded up (booking.LineRefunds).
  const back = bookingLines(booking).reduce((m, l) => ({ ...m, amount: m.amount + refundAmount(l.line_total, pct).amount }),
    { amount: 0, currency: booking.total.currency });

  async function cancel() {
    setBusy(true);
    setError(undefined);
    try {
      b.set(await post<Booking>(`/bookings/${id}/cancel`));
      setAsking(false);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <Title>{"Order " + booking.booking_reference}</Title>
      {e && <p class="lead"><a href={"/e/" + e.event_id}>{e.name}</a> · {when(e.starts_at)} · {e.venue.name}, {e.venue.city}</p>}
      <OrderLines lines={bookingLines(booking)} subtotal={booking.subtotal} discount={booking.discount} total={booking.total} promo={booking.promo_code} />
      <p>Status <span class={"status " + booking.status}>{booking.status}</span></p>
      {booking.status === "held" && <Notice>Not paid yet. <a href={"/checkout/" + id}>Pay now</a></Notice>}
      {booking.refund && (
        <Notice kind="ok">Cancelled: {money(booking.refund.amount)} ({booking.refund.percent}%) refunded{booking.refund.status === "pending" ? ", on its way" : ""}.</Notice>
      )}
      {booking.status === "confirmed" && (
        <section aria-labelledby="tickets-h">
          <h2 id="tickets-h">Your tickets</h2>
          {tickets.loading ? <Loading /> : <ErrorBox error={tickets.error} />}
          <ul class="tickets">
            {(tickets.data ?? []).map((t) => (
              <li key={t.ticket_id} class="ticket">
                <QR text={t.code} label={`Ticket ${t.seat} of ${booking.quantity}, QR code`} />
                <p>{t.ticket_type_name && <>{t.ticket_type_name} · </>}Ticket {t.seat} of {booking.quantity}<br /><small class="muted">{t.ticket_id}</small></p>
              </li>
            ))}
          </ul>
          <p class="noprint">
            <button type="button" onClick={() => print()}>Print tickets</button>{" "}
            {!asking && <button type="button" class="secondary" onClick={() => setAsking(true)}>Cancel booking…</button>}
          </p>
          {asking && (
            <div class="confirm noprint" role="alertdialog" aria-labelledby="cancel-h" aria-describedby="cancel-d">
              <h3 id="cancel-h">Cancel this booking?</h3>
              <p id="cancel-d">
                You get back <strong>{money(back)}</strong> ({pct}% of {money(booking.total)}): everything until 24 hours before
                the start, half until 2 hours before, nothing after. Your tickets stop working.
              </p>
              <button type="button" class="danger" disabled={busy} onClick={cancel}>Cancel and refund {money(back)}</button>{" "}
              <button type="button" class="secondary" onClick={() => setAsking(false)}>Keep my tickets</button>
            </div>
          )}
          <ErrorBox error={error} />
        </section>
      )}
    </>
  );
}
