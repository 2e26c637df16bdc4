// Package identity issues real Cognito tokens from the local user pool (moto's
// cognito-idp): it creates users on demand, puts them in the admins group when asked and
// signs them in, so local requests carry the same JWTs as deployed ones.
package identity

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// EmailDomain turns a user id into the email the pool uses as username (the pool's
// UsernameAttributes is [email]).
const EmailDomain = "bookmyevent.local"

// Password is every local user's password; it satisfies the template's password policy.
const Password = "Local-Passw0rd-2026"

// AdminGroup is the Cognito group of admins.
const AdminGroup = "admins"

// Pool is a user pool and the app client tokens are issued for.
type Pool struct {
	Cognito  *cip.Client
	PoolID   string
	ClientID string
}

// Tokens are a signed-in user's tokens.
type Tokens struct {
	Access string
	ID     string
}

// Email maps a user id to its username: "alice" -> "alice@bookmyevent.local"; an id
// that already is an email is kept.
func Email(user string) string {
	if strings.Contains(user, "@") {
		return user
	}
	return user + "@" + EmailDomain
}

// Token signs user in, creating them first if missing, and makes their admins
// membership match admin. The access token carries cognito:groups.
func (p Pool) Token(ctx context.Context, user string, admin bool) (Tokens, error) {
	if user == "" {
		return Tokens{}, errors.New("identity: empty user id")
	}
	username := Email(user)
	if err := p.ensureUser(ctx, username); err != nil {
		return Tokens{}, err
	}
	if err := p.setAdmin(ctx, username, admin); err != nil {
		return Tokens{}, err
	}
	out, err := p.Cognito.AdminInitiateAuth(ctx, &cip.AdminInitiateAuthInput{
		UserPoolId: aws.String(p.PoolID), ClientId: aws.String(p.ClientID),
		AuthFlow:       ciptypes.AuthFlowTypeAdminUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": username, "PASSWORD": Password},
	})
	if err != nil {
		return Tokens{}, fmt.Errorf("identity: sign in %s: %w", username, err)
	}
	if out.AuthenticationResult == nil {
		return Tokens{}, fmt.Errorf("identity: sign in %s: challenge %s instead of tokens", username, out.ChallengeName)
	}
	return Tokens{Access: aws.ToString(out.AuthenticationResult.AccessToken), ID: aws.ToString(out.AuthenticationResult.IdToken)}, nil
}

func (p Pool) ensureUser(ctx context.Context, username string) error {
	_, err := p.Cognito.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(p.PoolID), Username: aws.String(username)})
	var missing *ciptypes.UserNotFoundException
	switch {
	case err == nil:
		return nil
	case !errors.As(err, &missing):
		return fmt.Errorf("identity: look up %s: %w", username, err)
	}
	_, err = p.Cognito.AdminCreateUser(ctx, &cip.AdminCreateUserInput{
		UserPoolId: aws.String(p.PoolID), Username: aws.String(username),
		MessageAction:     ciptypes.MessageActionTypeSuppress,
		TemporaryPassword: aws.String(Password),
		UserAttributes: []ciptypes.AttributeType{
			{Name: aws.String("email"), Value: aws.String(username)},
			{Name: aws.String("email_verified"), Value: aws.String("true")},
		},
	})
	var exists *ciptypes.UsernameExistsException
	if err != nil && !errors.As(err, &exists) { // a concurrent caller may have created it
		return fmt.Errorf("identity: create %s: %w", username, err)
	}
	// A permanent password skips the FORCE_CHANGE_PASSWORD challenge.
	if _, err := p.Cognito.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{
		UserPoolId: aws.String(p.PoolID), Username: aws.String(username), Password: aws.String(Password), Permanent: true,
	}); err != nil {
		return fmt.Errorf("identity: set password of %s: %w", username, err)
	}
	return nil
}

func (p Pool) setAdmin(ctx context.Context, username string, admin bool) error {
	var err error
	if admin {
		_, err = p.Cognito.AdminAddUserToGroup(ctx, &cip.AdminAddUserToGroupInput{
			UserPoolId: aws.String(p.PoolID), Username: aws.String(username), GroupName: aws.String(AdminGroup)})
	} else {
		_, err = p.Cognito.AdminRemoveUserFromGroup(ctx, &cip.AdminRemoveUserFromGroupInput{
			UserPoolId: aws.String(p.PoolID), Username: aws.String(username), GroupName: aws.String(AdminGroup)})
	}
	if err != nil {
		return fmt.Errorf("identity: admins membership of %s: %w", username, err)
	}
	return nil
}
