import { money } from "../format";
import type { Event, TicketType } from "../types";

// ticketTypes lists what an event sells. Until ticket types exist (issue 10) an event
// has one price and capacity: one "General admission" type. When events carry
// ticket_types, map them here and the picker shows one row per type.
export function ticketTypes(ev: Event, available = ev.available): TicketType[] {
  return [
    {
      id: "general",
      name: "General admission",
      price: ev.price,
      available,
      max_per_booking: ev.max_tickets_per_booking || 10,
    },
  ];
}

export type Quantities = Record<string, number>;

// TicketTypePicker chooses a quantity per type; limited by what is available and the
// per-booking maximum.
export function TicketTypePicker({ types, value, onChange, disabled }: {
  types: TicketType[];
  value: Quantities;
  onChange: (q: Quantities) => void;
  disabled?: boolean;
}) {
  return (
    <table class="types">
      <caption class="sr-only">Ticket types</caption>
      <thead>
        <tr><th scope="col">Ticket</th><th scope="col">Price</th><th scope="col">Left</th><th scope="col">Quantity</th></tr>
      </thead>
      <tbody>
        {types.map((t) => {
          const max = Math.max(0, Math.min(t.available, t.max_per_booking));
          const id = "qty-" + t.id;
          return (
            <tr key={t.id}>
              <th scope="row"><label for={id}>{t.name}</label></th>
              <td>{money(t.price)}</td>
              <td>{t.available > 0 ? t.available : "Sold out"}</td>
              <td>
                <input id={id} name={id} type="number" inputMode="numeric" min={0} max={Math.max(max, 0)} step={1}
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
