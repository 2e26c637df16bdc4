// The runtime configuration the site is deployed with: /config.json, written by the local
// stack from the provisioned user pool and by `make deploy-web` from the stack's outputs.
export interface Config {
  // Prefix of API routes; "" when the API is on the site's own origin (CloudFront or the
  // local gateway route both), else the API's URL.
  apiBase: string;
  cognito: {
    region: string;
    // Where the user pool's JSON API answers: https://cognito-idp.<region>.amazonaws.com/
    // on AWS, /cognito/ locally (the gateway passes those calls to the local Cognito).
    endpoint: string;
    clientId: string;
  };
  // True on the local stack: the page says the confirmation code is not checked there.
  local?: boolean;
  // Stripe's publishable key (pk_live_... / pk_test_...), written by make deploy-web: the
  // pay step then mounts Stripe's Payment Element. Without it (locally) the pay step
  // offers Stripe's test payment methods, which stripe-mock and the simulated provider take.
  stripePublishableKey?: string;
}

let config: Config | undefined;

export async function loadConfig(): Promise<Config> {
  const res = await fetch("/config.json", { cache: "no-store" });
  if (!res.ok) throw new Error(`config.json: ${res.status}`);
  config = (await res.json()) as Config;
  return config;
}

export function cfg(): Config {
  if (!config) throw new Error("config not loaded");
  return config;
}
