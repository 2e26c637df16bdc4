// The API's shapes (internal/api, internal/catalog, internal/booking, internal/waitlist).

export interface Money {
  amount: number; // minor units
  currency: string;
}

export interface VenueSummary {
  name: string;
  city: string;
  address: string;
}

export interface Venue {
  venue_id: string;
  name: string;
  address: string;
  city: string;
  state: string;
  country: string;
  postal_code: string;
  capacity: number;
  version: number;
}

export type EventStatus = "draft" | "published" | "cancelled";

export interface Event {
  event_id: string;
  name: string;
  description: string;
  category: string;
  venue_id: string;
  venue: VenueSummary;
  starts_at: string;
  ends_at: string;
  capacity: number;
  available: number;
  sold_out: boolean;
  price: Money;
  max_tickets_per_booking: number;
  offer_window_minutes?: number;
  status: EventStatus;
  version: number;
  ticket_types?: PublicType[];
  waiting_room?: WaitingRoom;
  // Admin view only.
  held?: number;
  sold?: number;
  offering?: number;
  waiting?: number;
}

// A ticket type as the public reads it (catalog.PublicType): only types on sale, hidden
// ones only when a promo code unlocks them.
export interface PublicType {
  ticket_type_id: string;
  name: string;
  description?: string;
  price: Money;
  max_per_order: number;
  sale_starts_at?: string;
  sale_ends_at?: string;
  status: "on_sale" | "paused" | "sold_out" | "not_started" | "ended";
  available: number;
  sold_out: boolean;
}

// A ticket type as the admin reads it (catalog.AdminType): every type, with counters.
export interface AdminType extends Omit<PublicType, "status" | "sold_out"> {
  status: "on_sale" | "paused";
  hidden: boolean;
  sort_order: number;
  version: number;
  capacity: number;
  held: number;
  sold: number;
  offering: number;
  waiting: number;
}

export interface AdminEvent extends Omit<Event, "ticket_types"> {
  ticket_types?: AdminType[];
}

export interface WaitingRoom {
  enabled: boolean;
  opens_at?: string;
  on_sale_at?: string;
  admission_per_second?: number;
  admission_ttl_seconds?: number;
}

// GET /events/{id}/queue/me (internal/api.QueueAnswer).
export interface QueueAnswer {
  state: "pre_queue" | "waiting" | "admitted" | "used" | "expired";
  position?: number;
  ahead: number;
  eta_seconds: number;
  retry_after: number;
  sold_out: boolean;
  queue_pass: string;
  admission_token?: string;
  admission_expires_at?: string;
  waitlist?: string;
}

export interface PromoCode {
  code: string;
  event_id: string;
  discount_type: "percent" | "fixed" | "none";
  percent_off_bp?: number;
  amount_off?: Money;
  ticket_type_ids?: string[];
  max_uses?: number;
  uses: number;
  valid_from?: string;
  valid_until?: string;
  unlocks_hidden: boolean;
  rev: number;
  deleted_at?: string;
}

export interface Availability {
  event_id: string;
  capacity: number;
  available: number;
  waiting: number;
  sold_out: boolean;
  status: EventStatus;
  version: number;
  as_of: string;
  ticket_types?: PublicType[];
}

// A ticket type as the picker shows it.
export interface TicketType {
  id: string;
  name: string;
  description?: string;
  price: Money;
  available: number;
  max_per_booking: number;
  // Why nothing can be bought now: "sold_out", "not_started" (with sale_starts_at), ...
  status: PublicType["status"];
  sale_starts_at?: string;
}

export type BookingStatus = "held" | "confirmed" | "cancelled" | "expired";

export interface Booking {
  booking_id: string;
  booking_reference: string;
  event_id: string;
  quantity: number;
  unit_price: Money;
  total: Money;
  status: BookingStatus;
  expires_at?: string;
  created_at: string;
  confirmed_at?: string;
  cancelled_at?: string;
  payment?: { provider: string; payment_method: string; status: string; amount: Money; at: string };
  refund?: { amount: Money; percent: number; status: string; reason: string; at: string };
  source?: string;
  user_id?: string; // admin list only
  lines?: Line[];
  subtotal?: Money;
  discount?: Money;
  promo_code?: string;
}

// One line of an order (booking.Line): a ticket type, its quantity and price.
export interface Line {
  ticket_type_id: string;
  ticket_type_name: string;
  unit_price: Money;
  quantity: number;
  discount: Money;
  line_total: Money;
}

export interface Ticket {
  ticket_id: string;
  booking_id: string;
  event_id: string;
  seat: number;
  code: string;
  ticket_type_name?: string;
}

export interface WaitlistEntry {
  entry_id: string;
  event_id: string;
  user_id: string;
  status: "waiting" | "offered" | "fulfilled" | "offer_expired" | "left";
  position?: number;
  quantity: number;
  joined_at: string;
  offer?: { booking_id: string; expires_at: string };
  updated_at: string;
}

export interface Page<T> {
  items: T[];
  next_cursor?: string;
}

export interface SearchHit {
  event_id: string;
  name: string;
  description: string;
  category: string;
  venue: VenueSummary;
  starts_at: string;
  price: Money;
  available: number;
  sold_out: boolean;
}

export interface Bucket {
  value: string;
  count: number;
}

export interface SearchResult {
  items: SearchHit[];
  total: number;
  next_cursor?: string;
  facets: { cities: Bucket[]; categories: Bucket[]; price: { min: Money | null; max: Money | null } };
}

export interface Stats {
  event_id: string;
  capacity: number;
  available: number;
  held: number;
  sold: number;
  offering: number;
  revenue: Money;
  checked_in: number;
  ticket_types?: TypeStats[];
}

export interface TypeStats {
  ticket_type_id: string;
  name: string;
  capacity: number;
  available: number;
  held: number;
  sold: number;
  offering: number;
  waiting: number;
  revenue: Money;
  checked_in: number;
}

export interface CheckIn {
  ticket_id: string;
  booking_id: string;
  event_id: string;
  seat: number;
  checked_in_at: string;
  ticket_type_name?: string;
}
