import { money, when } from "../format";
import type { Event, Line, Money, PublicType, TicketType } from "../types";

// ticketTypes lists what an event sells, from the freshest read that lists types (the
// availability poll, else the event). An event stored without types still lists its one
// default type; an answer without any (an older API) reads as that one type.
export function ticketTypes(ev: Event, fresh?: PublicType[], available = ev.available): TicketType[] {
  const listed = fresh ?? ev.ticket_types;
  if (!listed) {
    return [{ id: "general", name: "General admission", price: ev.price, available,
      max_per_booking: ev.max_tickets_per_booking || 10, status: available > 0 ? "on_sale" : "sold_out" }];
  }
  return listed.map((t) => ({
    id: t.ticket_type_id, name: t.name, description: t.description, price: t.price, available: t.available,
    max_per_booking: Math.min(t.max_per_order || 10, ev.max_tickets_per_booking || t.max_per_order || 10),
    status: t.status, sale_starts_at: t.sale_starts_at,
  }));
}

export type Quantities = Record<string, number>;

function unavailable(t: TicketType): string {
  if (t.status === "not_started") return t.sale_starts_at ? "On sale " + when(t.sale_starts_at) : "Not on sale yet";
  if (t.status === "paused") return "Paused";
  if (t.status === "ended") return "Sale ended";
  return "Sold out";
}

// TicketTypePicker chooses a quantity per type; limited by what is available and the
// per-booking maximum. short names the types a refused reservation was short of. early
// lets the buyer choose types whose sale has not started: a waiting room's line forms
// before the sale, and the order is made when the buyer's turn comes.
export function TicketTypePicker({ types, value, onChange, disabled, short = {}, early = false }: {
  types: TicketType[];
  value: Quantities;
  onChange: (q: Quantities) => void;
  disabled?: boolean;
  short?: Record<string, number>;
  early?: boolean;
}) {
  return (
    <table class="types">
      <caption class="sr-only">Ticket types</caption>
      <thead>
        <tr><th scope="col">Ticket</th><th scope="col">Price</th><th scope="col">Left</th><th scope="col">Quantity</th></tr>
      </thead>
      <tbody>
        {types.map((t) => {
          const open = (t.status === "on_sale" || (early && t.status === "not_started")) && t.available > 0;
          const max = open ? Math.max(0, Math.min(t.available, t.max_per_booking)) : 0;
          const id = "qty-" + t.id;
          return (
            <tr key={t.id} data-type={t.name} class={short[t.id] !== undefined ? "short" : undefined}>
              <th scope="row">
                <label for={id}>{t.name}</label>
                {t.description && <small class="muted type-desc">{t.description}</small>}
              </th>
              <td>{money(t.price)}</td>
              <td>
                {open ? t.available : <strong class="soldout">{unavailable(t)}</strong>}
                {short[t.id] !== undefined && <small class="soldout type-desc">{short[t.id] === 0 ? "None left" : `Only ${short[t.id]} left`}</small>}
              </td>
              <td>
                <input id={id} name={id} type="number" inputMode="numeric" min={0} max={max} step={1}
                  value={value[t.id] ?? 0} disabled={disabled || max === 0}
                  onInput={(e) => {
                    const n = Math.max(0, Math.min(max, Number((e.target as HTMLInputElement).value) || 0));
                    onChange({ ...value, [t.id]: n });
                  }} />
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

export function totalOf(types: TicketType[], q: Quantities) {
  let amount = 0;
  let count = 0;
  for (const t of types) {
    const n = q[t.id] ?? 0;
    amount += n * t.price.amount;
    count += n;
  }
  return { count, total: { amount, currency: types[0]?.price.currency ?? "USD" } };
}

// OrderLines is a booking's lines with its subtotal, discount and total.
export function OrderLines({ lines, subtotal, discount, total, promo }: {
  lines: Line[];
  subtotal?: Money;
  discount?: Money;
  total: Money;
  promo?: string;
}) {
  const off = discount && discount.amount > 0;
  return (
    <table class="summary">
      <caption class="sr-only">Your order</caption>
      <tbody>
        {lines.map((l) => (
          <tr key={l.ticket_type_id} data-line={l.ticket_type_name}>
            <th scope="row">{l.ticket_type_name} × {l.quantity}</th>
            <td>{money(l.unit_price)} each{l.discount.amount > 0 && <> · {money(l.discount)} off</>} · <strong>{money(l.line_total)}</strong></td>
          </tr>
        ))}
        {off && subtotal && <tr><th scope="row">Subtotal</th><td data-testid="subtotal">{money(subtotal)}</td></tr>}
        {off && <tr><th scope="row">Discount{promo && <> ({promo})</>}</th><td data-testid="discount">−{money(discount)}</td></tr>}
        <tr><th scope="row">Total</th><td><strong data-testid="total">{money(total)}</strong></td></tr>
      </tbody>
    </table>
  );
}

// bookingLines is a booking's lines; an answer without lines is one line of its quantity.
export function bookingLines(b: { lines?: Line[]; quantity: number; unit_price: Money; total: Money }): Line[] {
  if (b.lines && b.lines.length > 0) return b.lines;
  return [{ ticket_type_id: "general", ticket_type_name: "General admission", unit_price: b.unit_price, quantity: b.quantity,
    discount: { amount: 0, currency: b.total.currency }, line_total: b.total }];
}
