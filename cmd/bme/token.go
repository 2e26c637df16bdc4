package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/bookmyevent/bookmyevent/internal/localstack/identity"
	"github.com/bookmyevent/bookmyevent/internal/localstack/system"
	"github.com/bookmyevent/bookmyevent/internal/localstack/workspace"
)

func init() {
	register("token", "print bearer tokens for users of the local stack (make run)", tokenCmd)
}

// tokenCmd prints ID tokens from the local user pool of a running `make run`, found
// through .local/state.json: the bearer the web app sends, whose email claim is where the
// mails about a booking go (access tokens carry none).
func tokenCmd(args []string) error {
	f := newFlagSet("token", "--user <id> [--admin] [--count N]")
	user := f.String("user", "", "user id; the username is <id>@"+identity.EmailDomain)
	admin := f.Bool("admin", false, "put the user in the admins group (otherwise take them out)")
	count := f.Int("count", 0, "print N tokens, for users <id>-1 .. <id>-N, one per line")
	statePath := f.String("state", "", "state file of the running stack (default .local/state.json)")
	_ = f.Parse(args)
	if *user == "" || f.NArg() > 0 || *count < 0 {
		f.Usage()
		os.Exit(2)
	}
	if *statePath == "" {
		var err error
		if *statePath, err = workspace.Local("state.json"); err != nil {
			return err
		}
	}
	st, err := system.ReadState(*statePath)
	if errors.Is(err, fs.ErrNotExist) {
		return errors.New("no local stack is running (start it with make run)")
	}
	if err != nil {
		return err
	}
	if !st.Alive() {
		return fmt.Errorf("the stack that wrote %s (pid %d) is not running; start it with make run", *statePath, st.PID)
	}
	if st.UserPoolID == "" {
		return errors.New("the running stack has no user pool")
	}
	ctx := context.Background()
	cfg, err := st.Endpoints.Config(ctx)
	if err != nil {
		return err
	}
	pool := identity.Pool{Cognito: cip.NewFromConfig(cfg), PoolID: st.UserPoolID, ClientID: st.UserPoolClientID}
	users := []string{*user}
	if *count > 0 {
		users = users[:0]
		for i := 1; i <= *count; i++ {
			users = append(users, fmt.Sprintf("%s-%d", *user, i))
		}
	}
	for _, u := range users {
		t, err := pool.Token(ctx, u, *admin)
		if err != nil {
			return err
		}
		fmt.Println(t.ID)
	}
	return nil
}
