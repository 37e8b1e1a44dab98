package pprofserver

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// loopbackHost refuses requests whose Host header names anything but the
// loopback interface. A server on loopback without a token is reachable
// by any web page the developer visits through DNS rebinding: the page's
// own domain is made to resolve to 127.0.0.1, and the browser then lets
// it read the answers, the live page's tags and health text included.
// Such a request carries the page's domain in Host, which no legitimate
// client of a loopback-only server does. Start uses it when the server is
// neither remote nor protected by a token.
type loopbackHost struct{ next http.Handler }

func (l loopbackHost) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !isLoopbackHost(r.Host) {
		serveError(w, http.StatusForbidden, "pprofserver: this server answers only requests addressed to the loopback "+
			"interface (Host localhost, 127.0.0.1 or [::1]); set Config.Token or Config.AllowRemote to be reached under another name")
		return
	}
	l.next.ServeHTTP(w, r)
}

// isLoopbackHost reports whether the Host header value host, with or
// without a port, is "localhost" or a loopback IP address.
func isLoopbackHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(host, ".")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(strings.Trim(host, "[]"))
	return err == nil && ip.IsLoopback()
}
