package store

// Certificates of the network: pure functions, no database.
//
// hotline runs two certificate authorities, both ECDSA P-256 and both kept in
// the database (so a backup is a secret):
//
//   - the server CA signs only the HTTPS certificate of this server. It is
//     name-constrained (critical extension) to the configured host names and
//     to loopback addresses, so a member who trusts it trusts nothing else.
//   - the client CA signs only the members' client certificates (it carries
//     the extended key usage ClientAuth, which Go and browsers enforce down
//     the chain).
//
// A client certificate names its holder in its subject:
//
//	CN           the member's name (UTF-8, e.g. 山田 太郎)
//	SERIALNUMBER the ほっとラインID (e.g. H123456) — read it with ClientCertMemberID
//	OU           the device name the member gave (e.g. 診察室PC) — ClientCertDevice
//
// Its certificate serial number is 128 random bits, by which the application
// can tell whose certificate it is and whether it was revoked
// (ClientCertSerialHex gives it as text).

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"net"
	"strings"
	"time"
	"unicode/utf8"

	pkcs12 "software.sslmate.com/src/go-pkcs12"
)

const (
	// CAValidity is the lifetime of both certificate authorities.
	CAValidity = 10 * 365 * 24 * time.Hour
	// ServerCertValidity is the usual lifetime of the server certificate
	// (browsers refuse more than 398 days).
	ServerCertValidity = 397 * 24 * time.Hour
	// ClientCertValidity is the usual lifetime of a member's certificate.
	ClientCertValidity = 2 * 365 * 24 * time.Hour

	// pkiCertBackdate puts NotBefore a little in the past, so that a clock that
	// is slightly behind (the member's PC, or this server after an NTP step)
	// does not reject a certificate that was just issued.
	pkiCertBackdate = 5 * time.Minute
	// pkiCABackdate is larger, so that a CA is valid whenever one of its
	// certificates is.
	pkiCABackdate = time.Hour

	// pkiServerRenewBefore: renew the server certificate this long before it
	// expires at the latest.
	pkiServerRenewBefore = 30 * 24 * time.Hour

	// pkiMaxSubjectRunes is the upper bound of X.520 for CN and OU (64).
	pkiMaxSubjectRunes = 64
)

// Sentinel errors of VerifyClientCert. Compare with errors.Is: the returned
// error may wrap them with a more precise text.
var (
	// ErrClientCertMissing: no certificate was presented.
	ErrClientCertMissing = errors.New("証明書が提示されていません")
	// ErrClientCertExpired: expired, or not yet valid.
	ErrClientCertExpired = errors.New("証明書の有効期限が切れています")
	// ErrClientCertForeign: not issued by this network's client CA.
	ErrClientCertForeign = errors.New("この証明書はこのシステムで発行されたものではありません")
	// ErrClientCertUsage: issued by our CA but not for client authentication.
	ErrClientCertUsage = errors.New("この証明書はクライアント認証に使用できません")
)

// pkiWrapError keeps a precise message and wraps a sentinel; detail is
// the verifier's own (English) reason, for the log only.
type pkiWrapError struct {
	msg    string
	err    error
	detail string
}

func (e *pkiWrapError) Error() string { return e.msg }
func (e *pkiWrapError) Unwrap() error { return e.err }

// ClientCertErrorDetail is the technical reason behind an error of
// VerifyClientCert, for the server log ("" when its message says it all).
// It is English text from crypto/x509 and never shown to the user.
func ClientCertErrorDetail(err error) string {
	var w *pkiWrapError
	if errors.As(err, &w) {
		return w.detail
	}
	return ""
}

// pkiRandomSerial returns a positive serial number of 128 random bits.
// When the top bit is set its DER takes 17 bytes (a leading zero keeps it
// positive), within the 20 that RFC 5280 allows.
func pkiRandomSerial() (*big.Int, error) {
	b := make([]byte, 16)
	for {
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
		if n := new(big.Int).SetBytes(b); n.Sign() > 0 {
			return n, nil
		}
	}
}

// caSuffix is a short random suffix that makes the CA names of two
// installations differ (browsers select the client certificate by the CN of
// its issuer).
func pkiCaSuffix() (string, error) {
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// normaliseHost lowercases a host name, strips brackets of an IPv6 literal
// and a trailing dot. It returns "" for an unusable name.
func pkiNormaliseHost(h string) string {
	h = strings.TrimSpace(h)
	h = strings.TrimPrefix(h, "[")
	h = strings.TrimSuffix(h, "]")
	h = strings.TrimSuffix(h, ".")
	return strings.ToLower(h)
}

// validDNSName reports whether h is a usable DNS name for a certificate
// (letters, digits, '-', dots, optionally one leading "*." label).
func pkiValidDNSName(h string) bool {
	h = strings.TrimPrefix(h, "*.")
	if h == "" || len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// splitHosts sorts the given host names into DNS names and IP addresses,
// always adding localhost, 127.0.0.1 and ::1, without duplicates.
func pkiSplitHosts(hosts []string) (dns []string, ips []net.IP, err error) {
	seenDNS := map[string]bool{}
	seenIP := map[string]bool{}
	add := func(raw string) error {
		h := pkiNormaliseHost(raw)
		if h == "" {
			return nil
		}
		if ip := net.ParseIP(h); ip != nil {
			if ip.IsUnspecified() {
				return fmt.Errorf("ホスト名 %q は証明書に使えません", raw)
			}
			if v4 := ip.To4(); v4 != nil {
				ip = v4
			}
			if !seenIP[ip.String()] {
				seenIP[ip.String()] = true
				ips = append(ips, ip)
			}
			return nil
		}
		if !pkiValidDNSName(h) {
			return fmt.Errorf("ホスト名 %q は証明書に使えません", raw)
		}
		if !seenDNS[h] {
			seenDNS[h] = true
			dns = append(dns, h)
		}
		return nil
	}
	for _, h := range append([]string{"localhost", "127.0.0.1", "::1"}, hosts...) {
		if err := add(h); err != nil {
			return nil, nil, err
		}
	}
	return dns, ips, nil
}

// newP256Key makes an ECDSA P-256 key.
func pkiNewP256Key() (*ecdsa.PrivateKey, error) {
	return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
}

// NewServerCA makes the self-signed server CA. It is name-constrained
// (critical) to the DNS names given (and their subdomains), localhost, the
// loopback ranges 127.0.0.0/8 and ::1/128, and the IP addresses among names.
// A certificate it signed for another name does not verify.
func NewServerCA(names []string, now time.Time) (certDER []byte, key *ecdsa.PrivateKey, err error) {
	dns, ips, err := pkiSplitHosts(names)
	if err != nil {
		return nil, nil, err
	}
	var permitted []string
	for _, d := range dns {
		// A wildcard name is covered by its parent domain, which permits
		// the domain and all its subdomains.
		permitted = append(permitted, strings.TrimPrefix(d, "*."))
	}
	ranges := []*net.IPNet{
		{IP: net.IPv4(127, 0, 0, 0).To4(), Mask: net.CIDRMask(8, 32)},
		{IP: net.IPv6loopback, Mask: net.CIDRMask(128, 128)},
	}
	for _, ip := range ips {
		if ip.IsLoopback() {
			continue // already in the ranges above
		}
		bits := 8 * len(ip)
		ranges = append(ranges, &net.IPNet{IP: ip, Mask: net.CIDRMask(bits, bits)})
	}

	return newCA("Server", func(tmpl *x509.Certificate) {
		tmpl.PermittedDNSDomainsCritical = true
		tmpl.PermittedDNSDomains = permitted
		tmpl.PermittedIPRanges = ranges
	}, now)
}

// NewClientCA makes the self-signed CA that signs the members' client
// certificates, and nothing else: it carries ExtKeyUsage ClientAuth, so a
// certificate it signs for another use does not verify.
func NewClientCA(now time.Time) (certDER []byte, key *ecdsa.PrivateKey, err error) {
	return newCA("Client", func(tmpl *x509.Certificate) {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	}, now)
}

// newCA makes a self-signed ECDSA P-256 CA named "hotline <kind> CA
// <suffix>" that signs end-entity certificates only; limit adds what
// restricts it.
func newCA(kind string, limit func(*x509.Certificate), now time.Time) (certDER []byte, key *ecdsa.PrivateKey, err error) {
	key, err = pkiNewP256Key()
	if err != nil {
		return nil, nil, err
	}
	serial, err := pkiRandomSerial()
	if err != nil {
		return nil, nil, err
	}
	suffix, err := pkiCaSuffix()
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject: pkix.Name{
			CommonName:   "hotline " + kind + " CA " + suffix,
			Organization: []string{"hotline"},
		},
		NotBefore:             now.Add(-pkiCABackdate),
		NotAfter:              now.Add(CAValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLen:            0,
		MaxPathLenZero:        true,
	}
	limit(tmpl)
	certDER, err = x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, fmt.Errorf("%s CA: %w", strings.ToLower(kind), err)
	}
	return certDER, key, nil
}

// notAfter caps now+validity at the end of the CA's own validity.
func pkiNotAfter(ca *x509.Certificate, now time.Time, validity time.Duration) time.Time {
	end := now.Add(validity)
	if end.After(ca.NotAfter) {
		end = ca.NotAfter
	}
	return end
}

// IssueServerCert makes the HTTPS certificate of this server, signed by the
// server CA, for the given hosts plus localhost, 127.0.0.1 and ::1, with a
// fresh P-256 key. validity <= 0 means ServerCertValidity. The returned
// tls.Certificate holds the leaf and the CA (chain) and has Leaf set.
func IssueServerCert(caCert *x509.Certificate, caKey *ecdsa.PrivateKey, hosts []string, now time.Time, validity time.Duration) (tls.Certificate, error) {
	if caCert == nil || caKey == nil {
		return tls.Certificate{}, errors.New("server certificate: no CA")
	}
	if validity <= 0 {
		validity = ServerCertValidity
	}
	dns, ips, err := pkiSplitHosts(hosts)
	if err != nil {
		return tls.Certificate{}, err
	}
	key, err := pkiNewP256Key()
	if err != nil {
		return tls.Certificate{}, err
	}
	serial, err := pkiRandomSerial()
	if err != nil {
		return tls.Certificate{}, err
	}
	// The CN is informative only (browsers read the SANs): the first
	// configured DNS name, else localhost.
	cn := dns[0]
	if len(dns) > 1 {
		cn = dns[1]
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             now.Add(-pkiCertBackdate),
		NotAfter:              pkiNotAfter(caCert, now, validity),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		DNSNames:              dns,
		IPAddresses:           ips,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("server certificate: %w", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{
		Certificate: [][]byte{der, caCert.Raw},
		PrivateKey:  key,
		Leaf:        leaf,
	}, nil
}

// ServerCertNeedsRenewal reports whether the server certificate should be
// replaced at now: it expires within 30 days, or more than two thirds of its
// lifetime have passed, or it is not valid yet (the clock went back). Whether
// it still covers the configured names is ServerCertCovers.
func ServerCertNeedsRenewal(leaf *x509.Certificate, now time.Time) bool {
	if leaf == nil {
		return true
	}
	if now.Before(leaf.NotBefore) || !now.Before(leaf.NotAfter.Add(-pkiServerRenewBefore)) {
		return true
	}
	life := leaf.NotAfter.Sub(leaf.NotBefore)
	return now.Sub(leaf.NotBefore) > life/3*2
}

// ServerCertCovers reports whether the certificate is valid for every host
// (and for localhost, 127.0.0.1 and ::1, which IssueServerCert always adds).
func ServerCertCovers(leaf *x509.Certificate, hosts []string) bool {
	if leaf == nil {
		return false
	}
	dns, ips, err := pkiSplitHosts(hosts)
	if err != nil {
		return false
	}
	for _, d := range dns {
		if leaf.VerifyHostname(d) != nil {
			return false
		}
	}
	for _, ip := range ips {
		if leaf.VerifyHostname(ip.String()) != nil {
			return false
		}
	}
	return true
}

// ClientSubject is what a member's certificate says about its holder.
type ClientSubject struct {
	MemberID string // ほっとラインID, e.g. H123456 (subject SERIALNUMBER)
	Name     string // the member's name, e.g. 山田 太郎 (subject CN)
	Device   string // the PC it was issued for, e.g. 受付PC (subject OU)
}

// IssueClientCert signs a client certificate for the public key pub (the
// key is made by the caller, who packs it with EncodeClientPKCS12). The
// certificate has a 128-bit random serial, NotBefore a little before now,
// KeyUsage DigitalSignature and ExtKeyUsage ClientAuth only. validity <= 0
// means ClientCertValidity; it never outlives the CA.
func IssueClientCert(caCert *x509.Certificate, caKey *ecdsa.PrivateKey, pub crypto.PublicKey, s ClientSubject, now time.Time, validity time.Duration) (*x509.Certificate, error) {
	if caCert == nil || caKey == nil {
		return nil, errors.New("client certificate: no CA")
	}
	if pub == nil {
		return nil, errors.New("client certificate: no public key")
	}
	s.MemberID = strings.TrimSpace(s.MemberID)
	s.Name = strings.TrimSpace(s.Name)
	s.Device = strings.TrimSpace(s.Device)
	switch {
	case s.MemberID == "":
		return nil, errors.New("client certificate: no member ID")
	case s.Name == "":
		return nil, errors.New("client certificate: no name")
	case !utf8.ValidString(s.Name) || !utf8.ValidString(s.Device) || !utf8.ValidString(s.MemberID):
		return nil, errors.New("client certificate: subject is not valid UTF-8")
	case utf8.RuneCountInString(s.Name) > pkiMaxSubjectRunes:
		return nil, fmt.Errorf("氏名は%d文字以内にしてください", pkiMaxSubjectRunes)
	case utf8.RuneCountInString(s.Device) > pkiMaxSubjectRunes:
		return nil, fmt.Errorf("端末名は%d文字以内にしてください", pkiMaxSubjectRunes)
	case len(s.MemberID) > pkiMaxSubjectRunes:
		return nil, errors.New("client certificate: member ID too long")
	}
	if validity <= 0 {
		validity = ClientCertValidity
	}
	serial, err := pkiRandomSerial()
	if err != nil {
		return nil, err
	}
	subject := pkix.Name{
		CommonName:   s.Name,
		SerialNumber: s.MemberID,
	}
	if s.Device != "" {
		subject.OrganizationalUnit = []string{s.Device}
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               subject,
		NotBefore:             now.Add(-pkiCertBackdate),
		NotAfter:              pkiNotAfter(caCert, now, validity),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, pub, caKey)
	if err != nil {
		return nil, fmt.Errorf("client certificate: %w", err)
	}
	return x509.ParseCertificate(der)
}

// ClientCertMemberID returns the ほっとラインID of a client certificate (the
// SERIALNUMBER attribute of its subject), or "".
func ClientCertMemberID(cert *x509.Certificate) string {
	if cert == nil {
		return ""
	}
	return cert.Subject.SerialNumber
}

// ClientCertDevice returns the device name of a client certificate (the
// first OU of its subject), or "".
func ClientCertDevice(cert *x509.Certificate) string {
	if cert == nil || len(cert.Subject.OrganizationalUnit) == 0 {
		return ""
	}
	return cert.Subject.OrganizationalUnit[0]
}

// ClientCertSerialHex returns the serial number of a certificate as lowercase
// hex without leading zeros, a compact key for the certificate.
func ClientCertSerialHex(cert *x509.Certificate) string {
	if cert == nil || cert.SerialNumber == nil {
		return ""
	}
	return cert.SerialNumber.Text(16)
}

// EncodeClientPKCS12 packs the key, its certificate and the CA into a
// PKCS#12 file protected by passphrase. By default it uses
// pkcs12.Modern2023 (AES-256-CBC, PBKDF2, SHA-256 MAC), which OpenSSL 3 and
// NSS (Chrome and Firefox on Linux) import; legacy uses pkcs12.LegacyDES
// (3DES, SHA-1), for older Windows and macOS. An empty passphrase is refused.
func EncodeClientPKCS12(key crypto.PrivateKey, cert, ca *x509.Certificate, passphrase string, legacy bool) ([]byte, error) {
	if key == nil || cert == nil {
		return nil, errors.New("pkcs12: no key or certificate")
	}
	if passphrase == "" {
		return nil, errors.New("pkcs12: empty passphrase")
	}
	var chain []*x509.Certificate
	if ca != nil {
		chain = []*x509.Certificate{ca}
	}
	enc := pkcs12.Modern2023
	if legacy {
		enc = pkcs12.LegacyDES
	}
	return enc.Encode(key, cert, chain, passphrase)
}

// VerifyClientCert checks a presented client certificate against the client
// CA pool at now. It answers nil or an error for which errors.Is matches one
// of ErrClientCertMissing, ErrClientCertExpired (also: not yet valid),
// ErrClientCertForeign or ErrClientCertUsage; Error() is Japanese text fit to
// show. Revocation and ownership (whose serial is it?) are the store's job.
//
// An expired certificate is reported as expired only when it was issued by
// our CA; an expired foreign one is foreign.
func VerifyClientCert(leaf *x509.Certificate, intermediates []*x509.Certificate, clientCA *x509.CertPool, now time.Time) error {
	if leaf == nil {
		return ErrClientCertMissing
	}
	if clientCA == nil {
		return ErrClientCertForeign
	}
	opts := x509.VerifyOptions{
		Roots:       clientCA,
		CurrentTime: now,
		KeyUsages:   []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if len(intermediates) > 0 {
		opts.Intermediates = x509.NewCertPool()
		for _, c := range intermediates {
			if c != nil {
				opts.Intermediates.AddCert(c)
			}
		}
	}

	// Outside its validity: is it ours? Verify it at a moment when it was
	// valid, to tell "expired" from "foreign".
	var timeErr error
	switch {
	case now.Before(leaf.NotBefore):
		opts.CurrentTime = leaf.NotBefore
		timeErr = &pkiWrapError{
			msg: "証明書の有効期間がまだ始まっていません（" + leaf.NotBefore.In(pkiJST).Format("2006-01-02 15:04") + " から有効）",
			err: ErrClientCertExpired,
		}
	case now.After(leaf.NotAfter):
		opts.CurrentTime = leaf.NotAfter
		timeErr = &pkiWrapError{
			msg: "証明書の有効期限が切れています（" + leaf.NotAfter.In(pkiJST).Format("2006-01-02 15:04") + " まで有効でした）",
			err: ErrClientCertExpired,
		}
	}

	_, err := leaf.Verify(opts)
	if err != nil {
		var ua x509.UnknownAuthorityError
		var ci x509.CertificateInvalidError
		switch {
		case errors.As(err, &ua):
			return ErrClientCertForeign
		case errors.As(err, &ci) && ci.Reason == x509.IncompatibleUsage:
			if timeErr != nil {
				return timeErr
			}
			return ErrClientCertUsage
		case errors.As(err, &ci) && ci.Reason == x509.Expired:
			// The leaf is valid at CurrentTime, so it is the CA that
			// is outside its validity.
			if timeErr != nil {
				return timeErr
			}
			return &pkiWrapError{msg: "証明書を発行した認証局の有効期限が切れています", err: ErrClientCertExpired}
		default:
			// Any other failure of the chain: shown as foreign, in Japanese;
			// the verifier's reason goes to the log.
			return &pkiWrapError{msg: ErrClientCertForeign.Error(), err: ErrClientCertForeign, detail: err.Error()}
		}
	}
	if timeErr != nil {
		return timeErr
	}
	// Go treats a certificate without extended key usages as good for any
	// use: ours always say ClientAuth, so demand it.
	if !pkiHasClientAuth(leaf) {
		return ErrClientCertUsage
	}
	if leaf.KeyUsage != 0 && leaf.KeyUsage&x509.KeyUsageDigitalSignature == 0 {
		return ErrClientCertUsage
	}
	return nil
}

func pkiHasClientAuth(c *x509.Certificate) bool {
	for _, u := range c.ExtKeyUsage {
		if u == x509.ExtKeyUsageClientAuth {
			return true
		}
	}
	return false
}

// pkiJST is Japan time for the messages; a fixed zone needs no zone database.
var pkiJST = time.FixedZone("JST", 9*60*60)
