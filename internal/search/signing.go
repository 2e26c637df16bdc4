package search

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/opensearch-project/opensearch-go/v4/signer"
	"github.com/opensearch-project/opensearch-go/v4/signer/awsv2"
)

// signingService is the SigV4 service name requests to endpoint must be signed for: "es"
// for an Amazon OpenSearch Service domain, "aoss" for a serverless collection, "" for any
// other node (a local one), which is sent unsigned.
func signingService(endpoint string) string {
	u, err := url.Parse(endpoint)
	if err != nil {
		return ""
	}
	host := u.Hostname()
	switch {
	case strings.HasSuffix(host, ".aoss.amazonaws.com"):
		return "aoss"
	case strings.HasSuffix(host, ".es.amazonaws.com"):
		return "es"
	}
	return ""
}

// awsSigner signs with the function's own credentials (its execution role), so the
// domain's access policy can name the role instead of admitting anyone on the network.
func awsSigner(endpoint string) (signer.Signer, error) {
	service := signingService(endpoint)
	if service == "" {
		return nil, nil
	}
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		return nil, fmt.Errorf("search: aws config for signing: %w", err)
	}
	return awsv2.NewSignerWithService(cfg, service)
}
