// Package handlers is hotline's HTTP shell: the server and its route table
// (the shell's own routes, then each domain's: handlers/prs, …), the guard
// and middleware for sessions, CSRF, certificates and security headers,
// login, errors, and the screens of the portal, membership, certificates
// and operations, one file per screen action. What every screen needs is
// in handlers/web; the test world in handlers/handlertest.
//
// Where the shell is tested: access.go, certcheck.go, cert_issue.go and
// certificates.go in cert_tls_test.go, cert_routes_test.go and
// cert_browser_test.go; routes.go and the guard in authz_test.go (every
// route as every role) and malformed_test.go; the admin_*.go screens and
// member_reset.go in admin_test.go and admin_browser_test.go; audit_log.go,
// audit_export.go, backup.go and health.go in ops_test.go; home.go,
// inquiry.go, links.go, documents.go and static.go in public_test.go and
// public_browser_test.go; menu.go, password.go, profile.go and requests.go
// in member_pages_test.go and member_pages_browser_test.go; csrf.go,
// errors.go, server.go in middleware_test.go and login_test.go; apply.go in
// apply_test.go; the limits the form specs give apply.go, cert_issue.go,
// audit_log.go and the operator's forms in form_spec_test.go; letters.go in letters_test.go; download.go in
// download_test.go; tls.go in tls_test.go. What a first use meets (設定
// before letters and applications, consent, confirmations, shared PCs, the
// menu from the route table) is in firstuse_test.go, firstuse_menu_test.go,
// shared_pc_test.go and firstuse_browser_test.go.
package handlers

import (
	"crypto/x509"
	"fmt"
	"log/slog"
	"time"

	"github.com/gofiber/fiber/v2"

	"hotline/handlers/dms"
	"hotline/handlers/drugs"
	"hotline/handlers/patient"
	"hotline/handlers/pharmacy"
	"hotline/handlers/prs"
	"hotline/handlers/referral"
	"hotline/handlers/rx"
	"hotline/handlers/web"
	"hotline/store"
)

// Config is what the server needs from main.
type Config struct {
	DB       *store.DB
	CertMode web.CertMode
	Logger   *slog.Logger
	Version  string
	// ClientCAs verifies members' certificates; nil with web.CertOff.
	ClientCAs *x509.CertPool
	// CertValidity is how long issued client certificates last.
	CertValidity time.Duration
	// BodyLimit bounds request bodies (attachments included).
	BodyLimit int
	// Backups runs hot backups (scheduled, "back up now", downloads); nil:
	// downloads only.
	Backups *store.Backups
	// PortalURL is the server's address from its command line
	// (https://host[:port]/), printed on letters and cards unless the
	// operator sets another in 設定; empty: https://localhost:8443/.
	PortalURL string
	// ExtraRoutes are mounted after the domains' routes (tests stand in
	// a domain still being built with them, e.g. /referrals).
	ExtraRoutes []web.Route
}

// Server holds the Fiber app and what handlers share.
type Server struct {
	cfg Config
	db  *store.DB
	log *slog.Logger
	app *fiber.App
	// web renders pages and keeps the CSRF key (handlers/web).
	web *web.Kit
	// domains are the packages of screens mounted beside the shell's own.
	domains []domain
	certs   *certChecker
	public  publicPages
	// auditChain caches the audit log's chain verification for its page.
	auditChain auditChainCache
	// pace bounds long downloads instead of the WriteTimeout (download.go).
	pace web.Pace
	// letters holds the credential letters until they are printed and
	// mailed (letters.go).
	letters *letterVault
	// pendingGets are the paths of the GET routes a password-only session
	// may open (where login may send it).
	pendingGets map[string]bool
}

// writeTimeout bounds writing a response, except paced downloads.
const writeTimeout = 120 * time.Second

// New builds the server and its routes.
func New(cfg Config) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.BodyLimit == 0 {
		// Five attachments of 10 MB and the form's fields, with room for
		// a refused sixth file to get its message beside the field.
		cfg.BodyLimit = 64 << 20
	}
	if cfg.CertValidity == 0 {
		cfg.CertValidity = 2 * 365 * 24 * time.Hour
	}
	if !cfg.CertMode.Valid() {
		cfg.CertMode = web.CertRequired
	}
	if cfg.Backups == nil {
		cfg.Backups, _ = store.NewBackups(cfg.DB, store.BackupSchedule{})
	}
	cfg.DB.SetServerURL(cfg.PortalURL)
	s := &Server{cfg: cfg, db: cfg.DB, log: cfg.Logger, pace: defaultPace, letters: newLetterVault(cfg.DB.Now, letterTTL)}
	kit, err := web.NewKit(cfg.DB, s.banners)
	if err != nil {
		return nil, err
	}
	s.web = kit
	s.domains = []domain{prs.New(cfg.DB, kit), dms.New(cfg.DB, kit), patient.New(cfg.DB, kit), drugs.New(cfg.DB, kit), rx.New(cfg.DB, kit), pharmacy.New(cfg.DB, kit), referral.New(cfg.DB, kit)}
	s.certs = newCertChecker(cfg.DB, cfg.ClientCAs, cfg.Logger)
	s.app = fiber.New(fiber.Config{
		// Fiber reuses request strings after the handler returns; copies are
		// safer than remembering to copy.
		Immutable: true,
		// The whole request, body included: five 10 MB attachments need
		// about 3 Mbit/s upstream in 5 minutes.
		ReadTimeout:           5 * time.Minute,
		WriteTimeout:          writeTimeout,
		IdleTimeout:           120 * time.Second,
		BodyLimit:             cfg.BodyLimit,
		ReadBufferSize:        16 << 10,
		WriteBufferSize:       32 << 10,
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
	routes := s.Routes()
	s.web.SetRoutes(routes)
	for _, r := range routes {
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
		if r.Method == fiber.MethodGet && r.Access == web.Pending {
			s.pendingGets[r.Path] = true
		}
	}
	return nil
}
