// Stripe.js, loaded only by the pay step and only when config.json carries a publishable
// key (Stripe requires it be loaded from js.stripe.com, never bundled). Just the calls the
// pay step makes are typed here.
export interface StripeElements {
  create(type: "payment", options?: Record<string, unknown>): { mount(el: HTMLElement): void; destroy(): void };
  submit(): Promise<{ error?: StripeError }>;
}

export interface StripeError {
  message?: string;
  code?: string;
}

export interface Stripe {
  elements(options: Record<string, unknown>): StripeElements;
  createPaymentMethod(o: { elements: StripeElements }): Promise<{ paymentMethod?: { id: string }; error?: StripeError }>;
  handleNextAction(o: { clientSecret: string }): Promise<{ error?: StripeError }>;
}

let loading: Promise<Stripe> | undefined;

export function loadStripe(publishableKey: string): Promise<Stripe> {
  loading ??= new Promise<Stripe>((resolve, reject) => {
    const s = document.createElement("script");
    s.src = "https://js.stripe.com/v3/";
    s.async = true;
    s.onload = () => {
      const ctor = (window as unknown as { Stripe?: (k: string) => Stripe }).Stripe;
      if (ctor) resolve(ctor(publishableKey));
      else reject(new Error("Stripe.js did not load"));
    };
    s.onerror = () => {
      loading = undefined;
      reject(new Error("Stripe.js could not be loaded; check your connection and try again"));
    };
    document.head.appendChild(s);
  });
  return loading;
}
