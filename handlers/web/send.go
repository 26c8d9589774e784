package web

import (
	"github.com/gofiber/fiber/v2"
)

// SendPDF answers a PDF shown in the browser (to print) with a file name
// for saving: asciiName for old clients, name (UTF-8) for the others.
func SendPDF(c *fiber.Ctx, data []byte, asciiName, name string) error {
	c.Set(fiber.HeaderContentType, "application/pdf")
	c.Set(fiber.HeaderContentDisposition, ContentDispositionASCII("inline", asciiName, name))
	return c.Send(data)
}
