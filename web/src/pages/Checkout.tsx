import { useEffect, useState } from "preact/hooks";
import { ApiError, get, newKey, post } from "../api";
import { cfg } from "../config";
import { ErrorBox, Loading, Notice, Title, useAsync, useNow } from "../components/ui";
import { mmss, money, when } from "../format";
import { navigate, type Params } from "../router";
import type { Booking, Event } from "../types";

// The payment methods of the simulated provider (internal/payments). TODO(issue 11):
// Stripe's Payment Element replaces these on AWS once the Stripe provider lands.
const testMethods = [
  { id: "pm_card_visa", label: "Test card that succeeds (Visa 4242)" },
  { id: "pm_card_declined", label: "Test card that is declined" },
];

// Checkout pays for a hold before it expires, with a visible countdown.
export function Checkout({ params }: { params: Params }) {
  const id = params.id!;
  const b = useAsync(() => get<Booking>("/bookings/" + id), [id]);
  const ev = useAsync(() => (b.data ? get<Event>("/events/" + b.data.event_id, { auth: false }) : Promise.resolve(undefined)), [b.data?.event_id]);
  const now = useNow();
  const [method, setMethod] = useState(testMethods[0]!.id);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();

  const paid = b.data?.status === "confirmed";
  useEffect(() => {
    if (paid) navigate("/orders/" + id, true);
  }, [paid]);

  if (b.loading && !b.data) return <Loading />;
  if (!b.data) return (<><Title>Checkout</Title><ErrorBox error={b.error} /></>);
  const booking = b.data;
  if (paid) return null;
  const left = booking.expires_at ? new Date(booking.expires_at).getTime() - now : 0;
  const expired = booking.status === "expired" || (booking.status === "held" && left <= 0);
  const eventLink = "/e/" + booking.event_id;

  async function pay() {
    setBusy(true);
    setError(undefined);
    try {
      await post<Booking>(`/bookings/${id}/confirm`, { payment_method: method }, { idempotent: newKey() });
      navigate("/orders/" + id);
    } catch (e) {
      setError(e);
      if (e instanceof ApiError && e.code === "hold_expired") b.reload();
    } finally {
      setBusy(false);
    }
  }

  async function release() {
    setBusy(true);
    try {
      await post<Booking>(`/bookings/${id}/cancel`);
      navigate(eventLink);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  const declined = error instanceof ApiError && error.code === "payment_declined";
  return (
    <>
      <Title>Checkout</Title>
      <p class="lead">{ev.data ? <a href={eventLink}>{ev.data.name}</a> : "Your event"}{ev.data && <> · {when(ev.data.starts_at)}</>}</p>
      <table class="summary">
        <caption class="sr-only">Your order</caption>
        <tbody>
          <tr><th scope="row">General admission × {booking.quantity}</th><td>{money(booking.unit_price)} each</td></tr>
          <tr><th scope="row">Total</th><td><strong>{money(booking.total)}</strong></td></tr>
          <tr><th scope="row">Reference</th><td>{booking.booking_reference}</td></tr>
        </tbody>
      </table>
      {booking.status === "cancelled" && <Notice kind="warn">This hold was released. <a href={eventLink}>Back to the event</a></Notice>}
      {expired ? (
        <Notice kind="warn">Your hold expired and the seats went back on sale. <a href={eventLink}>Try again</a></Notice>
      ) : booking.status === "held" && (
        <>
          <p class="countdown" role="timer" aria-live="off">
            Seats held for <strong data-testid="countdown">{mmss(left)}</strong>
          </p>
          <form onSubmit={(e) => { e.preventDefault(); pay(); }}>
            <fieldset>
              <legend>Payment</legend>
              {cfg().local !== false && testMethods.map((m) => (
                <label key={m.id} class="radio">
                  <input type="radio" name="method" value={m.id} checked={method === m.id} onChange={() => setMethod(m.id)} /> {m.label}
                </label>
              ))}
            </fieldset>
            {declined && <p class="error" role="alert">Your card was declined. Nothing was charged; choose another card and try again while the seats are held.</p>}
            {!declined && <ErrorBox error={error} />}
            <button type="submit" disabled={busy}>Pay {money(booking.total)}</button>{" "}
            <button type="button" class="secondary" disabled={busy} onClick={release}>Release seats</button>
          </form>
        </>
      )}
    </>
  );
}
