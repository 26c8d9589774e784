package handlers

import (
	"io"

	"github.com/gofiber/fiber/v2"

	"hotline/handlers/web"
)

// defaultPace: the WriteTimeout for each chunk of a long download (a hot
// backup, the audit log as CSV), and web.MinDownloadRate on average.
var defaultPace = web.Pace{Stall: writeTimeout, MinRate: web.MinDownloadRate}

// sendDownload answers with r as the body (size -1: unknown, sent
// chunked), paced instead of held to the WriteTimeout (s.pace; tests
// shorten it).
func (s *Server) sendDownload(c *fiber.Ctx, r io.Reader, size int) {
	web.SendStream(c, r, size, s.pace)
}
