// Command hotline serves the regional medical network portal from one bbolt
// file. Without a sub-command it serves; see README.md for the others.
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"time"

	"hotline/handlers"
	"hotline/handlers/web"
	"hotline/store"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = ""

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "hotline:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(args, stdout, stderr)
	case "backup":
		return backup(args, stdout, stderr)
	case "check":
		return check(args, stdout, stderr)
	case "operator":
		return operatorCommand(args, stdout, stderr)
	case "drugs":
		return drugsCommand(args, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "hotline", versionString())
		return nil
	case "help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return fmt.Errorf("unknown command %q\n%s", cmd, usage)
}

const usage = `usage:
  hotline [serve] [--addr :8443] [--http-addr :8080] [--db hotline.db]
                  [--client-cert required|optional|off] [--tls-cert F --tls-key F]
                  [--hostname H]... [--cert-validity 17520h] [--version]
                  [--backup-dir D --backup-every 24h --backup-keep 5] [--audit-anchor F]
  hotline backup --db hotline.db OUT     (server stopped; OUT may be a directory)
  hotline check --db hotline.db [--anchor F]  (read-only; exit status 1 when anything is wrong)
  hotline operator reset --db F ID   (server stopped) new initial password for operator ID
  hotline drugs import --db F FILE...  (server stopped) replace the drug master (薬価基準) with the MHLW list, xlsx or CSV
  hotline version
`

func versionString() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return "dev-" + s.Value[:12]
			}
		}
	}
	return "dev"
}

// listFlag collects a repeatable flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

type serveConfig struct {
	addr, httpAddr, db, certMode, tlsCert, tlsKey string
	hostnames                                     listFlag
	certValidity                                  time.Duration
	backups                                       store.BackupSchedule
	auditAnchor                                   string
}

func serve(args []string, stdout, stderr io.Writer) error {
	var cfg serveConfig
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.addr, "addr", ":8443", "HTTPS listen address")
	fs.StringVar(&cfg.httpAddr, "http-addr", ":8080", "HTTP address that only redirects to HTTPS (empty: off)")
	fs.StringVar(&cfg.db, "db", "hotline.db", "database file")
	fs.StringVar(&cfg.certMode, "client-cert", "required", "client certificates: required, optional or off (development)")
	fs.StringVar(&cfg.tlsCert, "tls-cert", "", "server certificate PEM (default: issued by the built-in server CA)")
	fs.StringVar(&cfg.tlsKey, "tls-key", "", "server private key PEM")
	fs.Var(&cfg.hostnames, "hostname", "host name for the built-in server certificate (repeatable; localhost is always included)")
	fs.DurationVar(&cfg.certValidity, "cert-validity", 2*365*24*time.Hour, "validity of issued client certificates")
	fs.StringVar(&cfg.backups.Dir, "backup-dir", "", "directory for scheduled backups (empty: none)")
	fs.DurationVar(&cfg.backups.Every, "backup-every", 24*time.Hour, "interval of scheduled backups")
	fs.IntVar(&cfg.backups.Keep, "backup-keep", 5, "backup generations to keep")
	fs.StringVar(&cfg.auditAnchor, "audit-anchor", "", "append-only file for the audit chain's anchors (default with --backup-dir: <backup-dir>/"+store.AnchorFileName+")")
	showVersion := fs.Bool("version", false, "print the version and exit")
	if err := fs.Parse(args); err != nil {
		return err
	}
	web.TuneGC()
	if *showVersion {
		fmt.Fprintln(stdout, "hotline", versionString())
		return nil
	}
	mode := web.CertMode(cfg.certMode)
	if !mode.Valid() {
		return fmt.Errorf("--client-cert must be required, optional or off, not %q", cfg.certMode)
	}
	if cfg.certValidity < time.Hour || cfg.certValidity > store.CAValidity {
		return fmt.Errorf("--cert-validity must be between 1h and %v, not %v", store.CAValidity, cfg.certValidity)
	}
	if (cfg.tlsCert == "") != (cfg.tlsKey == "") {
		return errors.New("--tls-cert and --tls-key go together")
	}
	logOut := newLogWriter(stderr)
	defer logOut.Close()
	log := slog.New(slog.NewTextHandler(logOut, &slog.HandlerOptions{Level: slog.LevelInfo}))

	db, err := store.Open(cfg.db, store.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	if err := firstOperator(db, stdout); err != nil {
		return err
	}
	clientCA, err := db.ClientCA()
	if err != nil {
		return err
	}
	pool := x509.NewCertPool()
	pool.AddCert(clientCA.Cert)
	getCert, err := serverCertificates(db, cfg, log)
	if err != nil {
		return err
	}
	if mode == web.CertOff {
		log.Warn("client certificates are OFF: development only, never with real patient data")
	}
	backups, err := store.NewBackups(db, cfg.backups)
	if err != nil {
		return err
	}
	if err := startAuditAnchors(db, cfg, log); err != nil {
		return err
	}
	srv, err := handlers.New(handlers.Config{DB: db, CertMode: mode, Logger: log, Version: versionString(),
		ClientCAs: pool, CertValidity: cfg.certValidity, Backups: backups, PortalURL: portalURL(cfg.hostnames, cfg.addr)})
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	tlsLn := tls.NewListener(ln, srv.TLSConfig(getCert))

	var redirectSrv *http.Server
	if cfg.httpAddr != "" {
		redirectSrv = httpsRedirect(cfg.httpAddr, cfg.addr)
		hl, err := net.Listen("tcp", cfg.httpAddr)
		if err != nil {
			ln.Close()
			return err
		}
		go redirectSrv.Serve(hl)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go purgeSessions(ctx, db, log)
	backupsDone := make(chan struct{})
	go func() { backups.Run(ctx, log); close(backupsDone) }()
	// A backup in progress is abandoned (its temporary file removed) before
	// the database closes.
	defer func() { stop(); <-backupsDone }()

	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.App().Listener(tlsLn) }()
	fmt.Fprintf(stdout, "hotline %s: https://localhost%s (database %s, client certificates %s)\n",
		versionString(), portOf(cfg.addr), cfg.db, mode)

	select {
	case err := <-serveErr:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: draining requests")
	var wg sync.WaitGroup
	if redirectSrv != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = redirectSrv.Shutdown(sctx)
		}()
	}
	err = srv.Shutdown(30 * time.Second)
	wg.Wait()
	return err
}

// startAuditAnchors publishes the audit chain head to the log and to the
// anchor file: --audit-anchor, else the one in the backup directory.
func startAuditAnchors(db *store.DB, cfg serveConfig, log *slog.Logger) error {
	file := cfg.auditAnchor
	if file == "" && cfg.backups.Enabled() {
		file = filepath.Join(cfg.backups.Dir, store.AnchorFileName)
	}
	if file == "" {
		log.Warn("audit chain anchors go to this log only: set --audit-anchor FILE (or --backup-dir) to keep them in a file beside the backups")
	}
	return db.StartAuditAnchors(store.AnchorConfig{File: file, Log: log})
}

// backup writes a verified copy of a database that no server is using. A
// file that fails its check gets a salvaged copy, …-unverified.db, of what
// can be read, a report of what was left out, and exit status 1.
func backup(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbPath := fs.String("db", "hotline.db", "database file")
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return errors.New("usage: hotline backup --db hotline.db OUT")
	}
	res, err := store.BackupFile(*dbPath, rest[0])
	if res.Salvage != nil {
		res.Salvage.WriteText(stdout)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "バックアップを作成しました: %s（%s、監査ログ %d 件、検証済み）\n",
		res.File, store.FormatBytes(res.Size), res.AuditEntries)
	return nil
}

// check verifies a database file read-only and prints a report; problems
// make it fail (exit status 1).
func check(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbPath := fs.String("db", "hotline.db", "database file")
	anchor := fs.String("anchor", "", "anchor file (serve --audit-anchor): the audit chain must pass through every anchor in it")
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return errors.New("usage: hotline check --db hotline.db [--anchor FILE]")
	}
	report, err := store.CheckFileWith(*dbPath, store.CheckOptions{Pages: true, AnchorFile: *anchor})
	if err != nil {
		return err
	}
	report.WriteText(stdout)
	if !report.OK() {
		return fmt.Errorf("%s に %d 件の問題があります", *dbPath, len(report.Problems))
	}
	return nil
}

// parseInterspersed parses flags before and after positional arguments.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return rest, nil
		}
		rest = append(rest, args[0])
		args = args[1:]
	}
}

// operatorCommand is "hotline operator reset --db F ID": the way back in
// when an operator lost their password or certificate. It needs the file
// to itself, so the server must be stopped.
func operatorCommand(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "reset" {
		return fmt.Errorf("usage: hotline operator reset --db F ID")
	}
	fs := flag.NewFlagSet("operator reset", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbPath := fs.String("db", "hotline.db", "database file")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("usage: hotline operator reset --db F ID")
	}
	id := store.NormalizeAccountID(fs.Arg(0))
	db, err := openStopped(*dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	pw := store.NewInitialPassword()
	op, err := db.ResetOperator(id, store.HashPassword(pw))
	if err != nil {
		return errors.New(store.ErrorMessage(err))
	}
	fmt.Fprintf(stdout, "運営者 %s（%s）のパスワードを再設定しました。\n  ID: %s\n  PW: %s\n"+
		"このパスワードは一度だけ表示されます。初回ログイン時に変更し、続けてこのPC用の証明書を発行してください。\n",
		op.ID, op.Name, op.ID, pw)
	return nil
}

// drugsCommand is "hotline drugs import --db F FILE…": the drug master from
// the ministry's files (one per 区分, together one list), with the server
// stopped. The progress bar goes to stderr, the summary to stdout.
func drugsCommand(args []string, stdout, stderr io.Writer) error {
	const use = "usage: hotline drugs import --db F FILE..."
	if len(args) == 0 || args[0] != "import" {
		return errors.New(use)
	}
	fs := flag.NewFlagSet("drugs import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbPath := fs.String("db", "hotline.db", "database file")
	paths, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		return errors.New(use)
	}
	db, err := openStopped(*dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	files := make([]store.DrugFile, 0, len(paths))
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return fmt.Errorf("%s を開けません: %w", p, err)
		}
		defer f.Close()
		files = append(files, store.DrugFile{Name: p, R: f})
	}
	progress, done := store.DrugProgressBar(stderr)
	sum, err := db.ImportDrugs(files, store.DrugImportOptions{Actor: "system", Progress: progress})
	done()
	if err != nil {
		sum.WriteFailure(stderr)
		return errors.New(store.ErrorMessage(err))
	}
	sum.WriteText(stdout)
	return nil
}

// firstOperator creates operator "admin" on an empty database. Its password
// is $HOTLINE_OPERATOR_PASSWORD when set, else generated, printed once, and
// must be changed at first login.
func firstOperator(db *store.DB, stdout io.Writer) error {
	pw := os.Getenv("HOTLINE_OPERATOR_PASSWORD")
	generated := pw == ""
	if generated {
		pw = store.NewInitialPassword()
	}
	created, err := db.EnsureFirstOperator(pw, generated)
	if err != nil || !created {
		return err
	}
	// The password hash took 19 MiB of heap that a server waiting for its
	// first visitor has no use for: give it back now, not minutes later.
	debug.FreeOSMemory()
	if generated {
		fmt.Fprintf(stdout, "\n運営者アカウントを作成しました。\n  ID: admin\n  PW: %s\n"+
			"このパスワードは一度だけ表示されます。初回ログイン時に変更してください。\n\n", pw)
	} else {
		fmt.Fprintln(stdout, "運営者アカウント admin を作成しました（パスワードは HOTLINE_OPERATOR_PASSWORD）。")
	}
	return nil
}

// serverCertificates returns the TLS certificate source: the given files,
// or the built-in server CA's certificate, renewed before it expires.
func serverCertificates(db *store.DB, cfg serveConfig, log *slog.Logger) (func(*tls.ClientHelloInfo) (*tls.Certificate, error), error) {
	if cfg.tlsCert != "" {
		cert, err := tls.LoadX509KeyPair(cfg.tlsCert, cfg.tlsKey)
		if err != nil {
			return nil, err
		}
		return func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return &cert, nil }, nil
	}
	var mu sync.Mutex
	cert, err := db.ServerCertificate(cfg.hostnames)
	if err != nil {
		return nil, err
	}
	return func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
		mu.Lock()
		defer mu.Unlock()
		if store.ServerCertNeedsRenewal(cert.Leaf, db.Now()) {
			renewed, err := db.ServerCertificate(cfg.hostnames)
			if err != nil {
				log.Error("server certificate renewal failed", "err", err)
			} else {
				log.Info("server certificate renewed", "expires", renewed.Leaf.NotAfter)
				cert = renewed
			}
		}
		c := cert
		return &c, nil
	}, nil
}

// httpsRedirect answers plain HTTP with a redirect to the HTTPS port.
func httpsRedirect(httpAddr, httpsAddr string) *http.Server {
	port := portOf(httpsAddr)
	// It only ever answers a redirect: short timeouts all round, so idle or
	// trickling clients cannot hold connections.
	return &http.Server{
		Addr:              httpAddr,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		IdleTimeout:       30 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			host := r.Host
			if h, _, err := net.SplitHostPort(host); err == nil {
				host = h
			}
			if host == "" || strings.ContainsAny(host, "/\\@") {
				host = "localhost"
			}
			http.Redirect(w, r, "https://"+host+port+r.URL.RequestURI(), http.StatusMovedPermanently)
		}),
	}
}

// portalURL is the address members are told to open, as the command line
// gives it: the first --hostname (else localhost) and the port of --addr,
// left out for 443. The operator may set another in 設定.
func portalURL(hostnames []string, addr string) string {
	host := "localhost"
	for _, h := range hostnames {
		if h = strings.TrimSpace(h); h != "" {
			host = h
			break
		}
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]" // an IPv6 literal
	}
	return "https://" + host + portOf(addr) + "/"
}

func portOf(addr string) string {
	_, port, err := net.SplitHostPort(addr)
	if err != nil || port == "443" {
		return ""
	}
	return ":" + port
}

// logWriter buffers log lines and flushes them several times a second, so
// a busy server does not pay a write system call per request line. Errors
// and shutdown flush at once.
type logWriter struct {
	mu   sync.Mutex
	w    *bufio.Writer
	stop chan struct{}
	done chan struct{}
}

func newLogWriter(w io.Writer) *logWriter {
	lw := &logWriter{w: bufio.NewWriterSize(w, 64<<10), stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(lw.done)
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				lw.flush()
			case <-lw.stop:
				lw.flush()
				return
			}
		}
	}()
	return lw
}

func (lw *logWriter) Write(p []byte) (int, error) {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	n, err := lw.w.Write(p)
	if bytes.Contains(p, []byte("level=ERROR")) || bytes.Contains(p, []byte("level=WARN")) {
		lw.w.Flush()
	}
	return n, err
}

func (lw *logWriter) flush() {
	lw.mu.Lock()
	lw.w.Flush()
	lw.mu.Unlock()
}

// Close flushes what is left and stops the flusher.
func (lw *logWriter) Close() error {
	close(lw.stop)
	<-lw.done
	return nil
}

func purgeSessions(ctx context.Context, db *store.DB, log *slog.Logger) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := db.PurgeSessions(); err != nil {
				log.Error("purge sessions", "err", err)
			} else if n > 0 {
				log.Info("expired sessions removed", "count", n)
			}
		}
	}
}

// openStopped opens an existing database file for a command that runs
// with the server stopped (it refuses a file the server holds).
func openStopped(path string) (*store.DB, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("データベース %s が見つかりません（--db でファイルを指定してください）", path)
	}
	return store.Open(path, store.Options{Timeout: time.Second})
}
