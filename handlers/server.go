// Package handlers is hotline's HTTP layer: one route table, middleware for
// sessions, CSRF, certificates and security headers, and one file per screen
// action.
package handlers

import (
	"crypto/x509"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"

	"hotline/store"
)

// CertMode says how client certificates are used.
type CertMode string

const (
	CertRequired CertMode = "required" // every member page needs the certificate
	CertOptional CertMode = "optional" // used when presented
	CertOff      CertMode = "off"      // development only
)

// Valid reports whether m is a known mode.
func (m CertMode) Valid() bool { return m == CertRequired || m == CertOptional || m == CertOff }

// Config is what the server needs from main.
type Config struct {
	DB       *store.DB
	CertMode CertMode
	Logger   *slog.Logger
	Version  string
	// ClientCAs verifies members' certificates; nil with CertOff.
	ClientCAs *x509.CertPool
	// CertValidity is how long issued client certificates last.
	CertValidity time.Duration
	// BodyLimit bounds request bodies (attachments included).
	BodyLimit int
	// Backups runs hot backups (scheduled, "back up now", downloads); nil:
	// downloads only.
	Backups *store.Backups
}

// Server holds the Fiber app and what handlers share.
type Server struct {
	cfg     Config
	db      *store.DB
	log     *slog.Logger
	app     *fiber.App
	csrfKey []byte
	certs   *certChecker
	public  publicPages
	// auditChain caches the audit log's chain verification for its page.
	auditChain auditChainCache
	// pace bounds long downloads instead of the WriteTimeout (download.go).
	pace downloadPace
	// pendingGets are the paths of the GET routes a password-only session
	// may open (where login may send it).
	pendingGets map[string]bool
	// filesMade counts the downloads whose file was made (download.go;
	// tests show that a HEAD makes none).
	filesMade atomic.Uint64
}

// writeTimeout bounds writing a response, except paced downloads.
const writeTimeout = 120 * time.Second

// New builds the server and its routes.
func New(cfg Config) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.BodyLimit == 0 {
		cfg.BodyLimit = 32 << 20
	}
	if cfg.CertValidity == 0 {
		cfg.CertValidity = 2 * 365 * 24 * time.Hour
	}
	if !cfg.CertMode.Valid() {
		cfg.CertMode = CertRequired
	}
	if cfg.Backups == nil {
		cfg.Backups, _ = store.NewBackups(cfg.DB, store.BackupSchedule{})
	}
	key, err := cfg.DB.Secret("csrf", 32)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, db: cfg.DB, log: cfg.Logger, csrfKey: key, pace: defaultPace}
	s.certs = newCertChecker(cfg.DB, cfg.ClientCAs, cfg.Logger)
	s.app = fiber.New(fiber.Config{
		// Fiber reuses request strings after the handler returns; copies are
		// safer than remembering to copy.
		Immutable:             true,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          writeTimeout,
		IdleTimeout:           120 * time.Second,
		BodyLimit:             cfg.BodyLimit,
		ReadBufferSize:        16 << 10,
		DisableStartupMessage: true,
		ErrorHandler:          s.handleError,
		AppName:               "hotline",
		ServerHeader:          "",
		// Only our own listener is used; this is for app.Test.
		Network: "tcp",
	})
	s.middleware()
	if err := s.mount(); err != nil {
		return nil, err
	}
	return s, nil
}

// App is the Fiber application (main serves it; tests call App().Test).
func (s *Server) App() *fiber.App { return s.app }

// Shutdown drains requests and stops.
func (s *Server) Shutdown(timeout time.Duration) error {
	return s.app.ShutdownWithTimeout(timeout)
}

// mount registers the route table. There is no catch-all: when no route
// takes the request, Fiber answers 405 with an Allow header if the path has
// a route under another method, else 404, and handleError renders either
// in Japanese.
func (s *Server) mount() error {
	s.pendingGets = map[string]bool{}
	for _, r := range s.Routes() {
		switch r.Method {
		case fiber.MethodGet:
			// HEAD answers as GET does and fasthttp leaves the body out;
			// a download (s.download) answers its headers only, without
			// making the file or auditing it (download.go).
			s.app.Add(fiber.MethodHead, r.Path, s.guard(r.Access), r.Handler)
		case fiber.MethodPost:
		default:
			// checkCSRF lets other methods through to be refused here.
			return fmt.Errorf("route %s %s: every state change is a POST", r.Method, r.Path)
		}
		s.app.Add(r.Method, r.Path, s.guard(r.Access), r.Handler)
		if r.Method == fiber.MethodGet && r.Access == Pending {
			s.pendingGets[r.Path] = true
		}
	}
	return nil
}
