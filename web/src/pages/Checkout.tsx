import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError, get, newKey, post, request } from "../api";
import { loadStripe, type Stripe, type StripeElements } from "../stripe";
import { cfg } from "../config";
import { bookingLines, OrderLines } from "../components/TicketTypes";
import { ErrorBox, Loading, Notice, Title, useAsync, useNow } from "../components/ui";
import { mmss, money, when } from "../format";
import { navigate, type Params } from "../router";
import type { Booking, Event } from "../types";

// Stripe's test payment methods, which stripe-mock and the simulated provider take
// (internal/payments): the pay step without a publishable key, i.e. locally.
const testMethods = [
  { id: "pm_card_visa", label: "Test card that succeeds (Visa 4242)" },
  { id: "pm_card_chargeDeclined", label: "Test card that is declined" },
];

interface RequiresAction {
  status: "requires_action";
  client_secret: string;
  booking: Booking;
}

// Checkout pays for a hold before it expires, with a visible countdown.
export function Checkout({ params }: { params: Params }) {
  const id = params.id!;
  const b = useAsync(() => get<Booking>("/bookings/" + id), [id]);
  const ev = useAsync(() => (b.data ? get<Event>("/events/" + b.data.event_id, { auth: false }) : Promise.resolve(undefined)), [b.data?.event_id]);
  const now = useNow();
  const [method, setMethod] = useState(testMethods[0]!.id);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [waiting, setWaiting] = useState(false);
  const pk = cfg().stripePublishableKey;
  const stripe = useRef<{ stripe: Stripe; elements: StripeElements } | undefined>(undefined);
  const mount = useRef<HTMLDivElement>(null);
  const held = b.data?.status === "held";

  // The Payment Element, on AWS: deferred mode (amount and currency now, the
  // PaymentIntent made by the API at confirm), so the page needs no intent to show it.
  useEffect(() => {
    if (!pk || !held || !b.data || !mount.current) return;
    let gone = false;
    let el: { destroy(): void } | undefined;
    loadStripe(pk).then((st) => {
      if (gone || !mount.current) return;
      const elements = st.elements({ mode: "payment", amount: b.data!.total.amount, currency: b.data!.total.currency.toLowerCase() });
      const pe = elements.create("payment");
      pe.mount(mount.current);
      el = pe;
      stripe.current = { stripe: st, elements };
    }, setError);
    return () => {
      gone = true;
      el?.destroy();
      stripe.current = undefined;
    };
  }, [pk, held, b.data?.booking_id]);

  // After 3-D Secure the webhook confirms the booking; poll until it has.
  useEffect(() => {
    if (!waiting) return;
    const t = setInterval(() => b.reload(), 2000);
    return () => clearInterval(t);
  }, [waiting]);

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

  // pay confirms the hold with a payment method: a test method, or one the Payment
  // Element created. A card that needs the buyer (3-D Secure) answers 202 with the
  // PaymentIntent's client secret: Stripe.js takes the buyer through it, and Stripe's
  // webhook then confirms the booking, which this page waits for.
  async function pay(paymentMethod = method) {
    setBusy(true);
    setError(undefined);
    try {
      if (stripe.current) {
        const { elements, stripe: st } = stripe.current;
        const submitted = await elements.submit();
        if (submitted.error) throw new Error(submitted.error.message ?? "Check your payment details");
        const pm = await st.createPaymentMethod({ elements });
        if (pm.error || !pm.paymentMethod) throw new Error(pm.error?.message ?? "Your payment details were not accepted");
        paymentMethod = pm.paymentMethod.id;
      }
      const r = await request<Booking | RequiresAction>(`/bookings/${id}/confirm`, { method: "POST", body: { payment_method: paymentMethod }, idempotent: newKey() });
      if (r.status === 202) {
        const secret = (r.data as RequiresAction).client_secret;
        if (!stripe.current) throw new Error("This card needs you to confirm the payment with your bank, which needs Stripe's payment form; choose another test card.");
        const next = await stripe.current.stripe.handleNextAction({ clientSecret: secret });
        if (next.error) throw new Error(next.error.message ?? "The payment was not confirmed");
        setWaiting(true);
        return; // the poll below moves on once the webhook has confirmed the booking
      }
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
      <OrderLines lines={bookingLines(booking)} subtotal={booking.subtotal} discount={booking.discount} total={booking.total} promo={booking.promo_code} />
      <p>Reference <strong>{booking.booking_reference}</strong></p>
      {booking.status === "cancelled" && <Notice kind="warn">This hold was released. <a href={eventLink}>Back to the event</a></Notice>}
      {expired ? (
        <Notice kind="warn">Your hold expired and the seats went back on sale. <a href={eventLink}>Try again</a></Notice>
      ) : booking.status === "held" && (
        <>
          <p class="countdown" role="timer" aria-live="off">
            Seats held for <strong data-testid="countdown">{mmss(left)}</strong>
          </p>
          <form onSubmit={(e) => { e.preventDefault(); void pay(); }}>
            <fieldset>
              <legend>Payment</legend>
              {pk ? <div ref={mount} class="payment-element" /> : testMethods.map((m) => (
                <label key={m.id} class="radio">
                  <input type="radio" name="method" value={m.id} checked={method === m.id} onChange={() => setMethod(m.id)} /> {m.label}
                </label>
              ))}
            </fieldset>
            {waiting && <Notice>Payment confirmed with your bank; waiting for it to reach us…</Notice>}
            {declined && <p class="error" role="alert">Your card was declined. Nothing was charged; choose another card and try again while the seats are held.</p>}
            {!declined && <ErrorBox error={error} />}
            <button type="submit" disabled={busy || waiting}>Pay {money(booking.total)}</button>{" "}
            <button type="button" class="secondary" disabled={busy} onClick={release}>Release seats</button>
          </form>
        </>
      )}
    </>
  );
}
