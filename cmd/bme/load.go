package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/bookmyevent/bookmyevent/internal/load"
	"github.com/bookmyevent/bookmyevent/internal/localstack/identity"
	"github.com/bookmyevent/bookmyevent/internal/localstack/system"
	"github.com/bookmyevent/bookmyevent/internal/localstack/workspace"
)

func init() {
	register("load", "run the on-sale scenarios (10->1, 300->10, 300->299, 1-4 seats ->500, admin edits; or types: VIP+General under a cap and a promo code race) and check for oversell", loadCmd)
}

// poolTokens signs users in to a Cognito user pool (the local one, or a deployed one
// with admin credentials), creating them on first use. Buyers send access tokens, which
// carry no email claim: their bookings are mailed to nobody, so a load run measures the
// booking path without thousands of mails queueing behind it on the same moto.
type poolTokens struct{ pool identity.Pool }

func (p poolTokens) Token(ctx context.Context, user string, admin bool) (string, error) {
	t, err := p.pool.Token(ctx, user, admin)
	return t.Access, err
}

func loadCmd(args []string) error {
	f := newFlagSet("load", "[--url URL --user-pool ID --client ID] [--scenario N,...] [--runs N] [--out FILE]")
	base := f.String("url", "", "API base URL (default: the running `make run` stack)")
	poolID := f.String("user-pool", "", "Cognito user pool id of a deployed stage (default: the local stack's)")
	clientID := f.String("client", "", "Cognito app client id of a deployed stage")
	only := f.String("scenario", "", "comma-separated scenario numbers to run, 1-"+fmt.Sprint(len(load.Classic))+" (default all), or stadium, or types")
	stadium := stadiumFlags(f)
	runs := f.Int("runs", 1, "how many times to run each scenario")
	out := f.String("out", "", "write the results as JSON here (default load-<time>.json)")
	statePath := f.String("state", "", "state file of the running stack (default .local/state.json)")
	waitlist := f.Bool("waitlist", false, "let sold-out buyers join the waitlist (off: measure the booking core alone)")
	_ = f.Parse(args)
	if f.NArg() > 0 || *runs < 1 {
		f.Usage()
		os.Exit(2)
	}
	var scenarios []load.Scenario
	var err error
	if *only != "stadium" && *only != "types" {
		if scenarios, err = pick(*only); err != nil {
			return err
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	var pool identity.Pool
	if *poolID != "" {
		if *base == "" || *clientID == "" {
			return errors.New("--user-pool needs --url and --client")
		}
		cfg, err := config.LoadDefaultConfig(ctx)
		if err != nil {
			return err
		}
		pool = identity.Pool{Cognito: cip.NewFromConfig(cfg), PoolID: *poolID, ClientID: *clientID}
	} else {
		if *statePath == "" {
			if *statePath, err = workspace.Local("state.json"); err != nil {
				return err
			}
		}
		st, err := system.ReadState(*statePath)
		if errors.Is(err, fs.ErrNotExist) {
			return errors.New("no local stack is running (start it with make run, or pass --url, --user-pool and --client)")
		}
		if err != nil {
			return err
		}
		cfg, err := st.Endpoints.Config(ctx)
		if err != nil {
			return err
		}
		pool = identity.Pool{Cognito: cip.NewFromConfig(cfg), PoolID: st.UserPoolID, ClientID: st.UserPoolClientID}
		if *base == "" {
			*base = st.APIURL
		}
	}

	if *only == "stadium" {
		return runStadium(ctx, load.Options{BaseURL: *base, Tokens: poolTokens{pool}, Progress: os.Stdout}, stadium, *out)
	}
	if *only == "types" {
		return runTypes(ctx, load.Options{BaseURL: *base, Tokens: poolTokens{pool}, Progress: os.Stdout}, *out)
	}
	var all []load.Result
	for run := 1; run <= *runs; run++ {
		fmt.Printf("run %d of %d against %s\n", run, *runs, *base)
		results, err := load.Run(ctx, load.Options{BaseURL: *base, Tokens: poolTokens{pool}, Progress: os.Stdout, JoinWaitlist: *waitlist}, scenarios)
		all = append(all, results...)
		fmt.Println()
		load.PrintTable(os.Stdout, results)
		fmt.Println()
		if err != nil {
			return err
		}
	}
	if *out == "" {
		*out = "load-" + time.Now().UTC().Format("20060102T150405Z") + ".json"
	}
	b, err := json.MarshalIndent(map[string]any{"base_url": *base, "runs": *runs, "results": all}, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(*out, append(b, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Println("results written to", *out)
	for _, r := range all {
		if !r.OK() {
			return fmt.Errorf("%s did not meet the bar (see the table)", r.Scenario.Name)
		}
	}
	return nil
}

func pick(only string) ([]load.Scenario, error) {
	if only == "" {
		return load.Classic, nil
	}
	var out []load.Scenario
	for _, s := range strings.Split(only, ",") {
		var n int
		if _, err := fmt.Sscanf(strings.TrimSpace(s), "%d", &n); err != nil || n < 1 || n > len(load.Classic) {
			return nil, fmt.Errorf("--scenario %q: want numbers from 1 to %d", s, len(load.Classic))
		}
		out = append(out, load.Classic[n-1])
	}
	return out, nil
}

// runTypes plays the two-type on-sale and the promo code race and writes their JSON.
func runTypes(ctx context.Context, o load.Options, out string) error {
	fmt.Printf("ticket types against %s\n", o.BaseURL)
	typed, err := load.RunTyped(ctx, o, load.TwoTypes)
	fmt.Println()
	load.PrintTyped(os.Stdout, typed)
	if err != nil {
		return err
	}
	race, err := load.RunPromoRace(ctx, o, load.PromoRace{Buyers: 100, Uses: 10})
	fmt.Println()
	load.PrintPromo(os.Stdout, race)
	if err != nil {
		return err
	}
	if out == "" {
		out = "load-types-" + time.Now().UTC().Format("20060102T150405Z") + ".json"
	}
	b, err := json.MarshalIndent(map[string]any{"base_url": o.BaseURL, "typed": typed, "promo_race": race}, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(out, append(b, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Println("results written to", out)
	if !typed.OK() || !race.OK() {
		return errors.New("types: the on-sale or the code race did not meet the bar (see above)")
	}
	return nil
}
