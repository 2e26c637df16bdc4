package system

import (
	"net/http"
	"path/filepath"

	"github.com/bookmyevent/bookmyevent/internal/localstack/site"
	"github.com/bookmyevent/bookmyevent/internal/localstack/template"
)

// withSite puts the web app (web/dist) in front of the gateway as the CloudFront
// distribution does on AWS: the API's route prefixes go to the API, the rest is the
// site, with the user pool's client in /config.json.
func (sys *System) withSite(root string, api http.Handler) http.Handler {
	var paths []string
	for _, fn := range sys.Functions {
		for _, ev := range fn.Events {
			if ev.HTTP != nil {
				paths = append(paths, ev.HTTP.Path)
			}
		}
	}
	return &site.Site{
		Dir: filepath.Join(root, "web", "dist"), API: api, APIPrefixes: site.Prefixes(paths),
		Region: template.Region, CognitoURL: sys.Endpoints.Main,
		Config: site.Config{Local: true, Cognito: site.Cognito{
			Region: template.Region, Endpoint: site.CognitoPath, ClientID: sys.Identity.ClientID}},
	}
}
