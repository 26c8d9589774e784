// Command hello is the baseline of the HTTP load benchmark: a hello-world
// Fiber handler behind the same TLS listener set-up as hotline, so the two
// can be measured side by side in one run (see the Justfile's bench-http).
package main

import (
	"crypto/tls"
	"crypto/x509"
	"flag"
	"log"
	"net"
	"time"

	"github.com/gofiber/fiber/v2"

	"hotline/store"
)

func main() {
	addr := flag.String("addr", ":18444", "HTTPS listen address")
	flag.Parse()
	now := time.Now()
	caDER, caKey, err := store.NewServerCA([]string{"localhost"}, now)
	if err != nil {
		log.Fatal(err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		log.Fatal(err)
	}
	cert, err := store.IssueServerCert(ca, caKey, []string{"localhost"}, now, 24*time.Hour)
	if err != nil {
		log.Fatal(err)
	}
	app := fiber.New(fiber.Config{DisableStartupMessage: true, Immutable: true})
	app.Get("/", func(c *fiber.Ctx) error { return c.SendString("Hello, World!") })
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	log.Fatal(app.Listener(tls.NewListener(ln, &tls.Config{
		MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert},
		ClientAuth: tls.RequestClientCert, NextProtos: []string{"http/1.1"},
	})))
}
