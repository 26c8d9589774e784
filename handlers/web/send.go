package web

import (
	"regexp"

	"github.com/gofiber/fiber/v2"
)

// SendPDF answers a PDF shown in the browser (to print) with a file name
// for saving: asciiName for old clients, name (UTF-8) for the others.
func SendPDF(c *fiber.Ctx, data []byte, asciiName, name string) error {
	c.Set(fiber.HeaderContentType, "application/pdf")
	c.Set(fiber.HeaderContentDisposition, ContentDispositionASCII("inline", asciiName, name))
	return c.Send(data)
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
