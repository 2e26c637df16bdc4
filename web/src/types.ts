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
  // Admin view only.
  held?: number;
  sold?: number;
  offering?: number;
  waiting?: number;
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
}

// A ticket type as the checkout shows it. Today an event has one price and capacity, so
// it has one type, "General admission"; typed events (issue 10) will list several.
export interface TicketType {
  id: string;
  name: string;
  price: Money;
  available: number;
  max_per_booking: number;
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
}

export interface Ticket {
  ticket_id: string;
  booking_id: string;
  event_id: string;
  seat: number;
  code: string;
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
}

export interface CheckIn {
  ticket_id: string;
  booking_id: string;
  event_id: string;
  seat: number;
  checked_in_at: string;
}
