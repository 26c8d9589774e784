package handlers

import (
	"mime"
	"path"

	"github.com/gofiber/fiber/v2"

	"hotline/static"
)

// serveStatic serves embedded files under their cache-busted names only,
// so they can be cached for a year; anything else (including traversal
// attempts) is 404.
func (s *Server) serveStatic(c *fiber.Ctx) error {
	name, ok := static.Lookup(c.Path())
	if !ok {
		return fiber.ErrNotFound
	}
	data, err := static.Files.ReadFile(name)
	if err != nil {
		return fiber.ErrNotFound
	}
	ct := mime.TypeByExtension(path.Ext(name))
	if ct == "" {
		ct = fiber.MIMEOctetStream
	}
	switch path.Ext(name) {
	case ".txt":
		ct = fiber.MIMETextPlainCharsetUTF8
	case ".ico":
		ct = "image/x-icon"
	}
	c.Set(fiber.HeaderContentType, ct)
	c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
	return c.Send(data)
}

// serveFavicon answers the icon browsers ask for at /favicon.ico (the
// pages name its cache-busted copy under /static as well).
func (s *Server) serveFavicon(c *fiber.Ctx) error {
	data, err := static.Files.ReadFile("img/favicon.ico")
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "image/x-icon")
	c.Set(fiber.HeaderCacheControl, "public, max-age=86400")
	return c.Send(data)
}
