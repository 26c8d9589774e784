package web

import (
	"regexp"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// SendPDF answers a PDF shown in the browser (to print) with a file name
// for saving: asciiName for old clients, name (UTF-8) for the others.
func SendPDF(c *fiber.Ctx, data []byte, asciiName, name string) error {
	c.Set(fiber.HeaderContentType, "application/pdf")
	c.Set(fiber.HeaderContentDisposition, ContentDisposition("inline", asciiName, name))
	return c.Send(data)
}

// ContentDisposition builds the header with both filename forms (RFC 6266):
// the ASCII one cleaned of anything that could end the quoted string or the
// header, and the real name percent-encoded (RFC 5987).
func ContentDisposition(kind, asciiName, name string) string {
	asciiName = strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' || r == '/' {
			return '_'
		}
		return r
	}, asciiName)
	v := kind + `; filename="` + asciiName + `"`
	if name != "" && name != asciiName {
		v += "; filename*=UTF-8''" + rfc5987(name)
	}
	return v
}

// rfc5987 percent-encodes every byte but letters, digits and -._~.
func rfc5987(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-._~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// downloadToken is the token a page's script sends with a form whose
// answer is a file (static/js/cert.js), to learn that the file came.
var downloadToken = regexp.MustCompile(`^[0-9a-f]{32}$`)

// DownloadStarted answers the form's download_token as the cookie
// hotline_dl beside the file: the page that sent it waits for the cookie
// and then moves on (to the next step, or to show the new state).
func DownloadStarted(c *fiber.Ctx) {
	if tok := c.FormValue("download_token"); downloadToken.MatchString(tok) {
		c.Cookie(&fiber.Cookie{Name: "hotline_dl", Value: tok, Path: "/", MaxAge: 120,
			Secure: true, SameSite: fiber.CookieSameSiteStrictMode})
	}
}
