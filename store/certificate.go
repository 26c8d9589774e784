package store

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

var (
	bucketCertificates         = []byte("certificates")
	bucketCertificatesByMember = []byte("certificates_by_member")
)

// Certificate is the record of a client certificate issued to a member for
// one PC (端末). The private key is never stored.
type Certificate struct {
	Serial     string    `json:"serial"` // hex, the key of the record
	MemberID   string    `json:"member_id"`
	Device     string    `json:"device"` // 端末名, e.g. 受付PC
	IssuedAt   time.Time `json:"issued_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	RevokedAt  time.Time `json:"revoked_at,omitempty"`
	RevokedBy  string    `json:"revoked_by,omitempty"`
	LastUsedAt time.Time `json:"last_used_at,omitempty"`
	// RenewalOf is the serial this certificate renewed, if any.
	RenewalOf string `json:"renewal_of,omitempty"`
	// SharedPC: issued for a shared PC (共用PC) by the operator's allowance.
	SharedPC bool `json:"shared_pc,omitempty"`
}

// Revoked reports whether the certificate was revoked.
func (c Certificate) Revoked() bool { return !c.RevokedAt.IsZero() }

// Usable reports whether the certificate may be used at now.
func (c Certificate) Usable(now time.Time) bool { return !c.Revoked() && now.Before(c.ExpiresAt) }

// ExpiresSoon reports whether fewer than 30 days remain.
func (c Certificate) ExpiresSoon(now time.Time) bool {
	return c.Usable(now) && c.ExpiresAt.Sub(now) < 30*24*time.Hour
}

// StatusLabel is the certificate's state in Japanese.
func (c Certificate) StatusLabel(now time.Time) string {
	switch {
	case c.Revoked():
		return "失効"
	case !now.Before(c.ExpiresAt):
		return "期限切れ"
	case c.ExpiresSoon(now):
		return "まもなく期限切れ"
	}
	return "有効"
}

// CertificateSpec is the issue form (証明書の発行), in screen order. The
// device name is the shared PC's when one is chosen; the passphrase has
// PassphraseMinLength besides its Max.
var CertificateSpec = Fields{
	{Name: "shared_pc", Label: "発行する証明書"},
	{Name: "device_name", Label: "端末名", Max: 40, Required: true},
	{Name: "passphrase", Label: "パスフレーズ", Max: 128, Required: true},
	{Name: "passphrase_confirm", Label: "パスフレーズ（確認）", Max: 128, Required: true},
	{Name: "encoding", Label: "ファイル形式"},
}

// PassphraseMinLength is the shortest passphrase of a certificate file, in
// characters.
const PassphraseMinLength = 8

// CertificateRequest is what the member enters on the issue form.
type CertificateRequest struct {
	Device            string
	Passphrase        string
	PassphraseConfirm string
	Legacy            bool
	// Renew is the serial of the member's current certificate when this is a
	// renewal before expiry (no allowance needed).
	Renew string
	// SharedPC names the shared PC of an allowance (SharedPCGrant) this
	// certificate uses; the device name is then the PC's.
	SharedPC string
}

// Validate checks the form.
func (r *CertificateRequest) Validate() error {
	fe := FieldErrors{}
	r.Device = strings.TrimSpace(r.Device)
	spec := CertificateSpec
	spec.Check(fe, "device_name", r.Device)
	label := spec.Label("passphrase")
	switch n := utf8.RuneCountInString(r.Passphrase); {
	case r.Passphrase == "":
		spec.Missing(fe, "passphrase")
	case !utf8.ValidString(r.Passphrase) || strings.ContainsFunc(r.Passphrase, isControl):
		fe.Add("passphrase", label+"に使用できない文字が含まれています")
	case n < PassphraseMinLength:
		fe.Add("passphrase", label+"は"+strconv.Itoa(PassphraseMinLength)+"文字以上で入力してください")
	default:
		spec.TooLong(fe, "passphrase", r.Passphrase)
	}
	if r.PassphraseConfirm != r.Passphrase {
		fe.Add("passphrase_confirm", "確認用のパスフレーズが一致しません")
	}
	return fe.Err()
}

// IssuedCertificate is a new certificate with its key, packed for download.
type IssuedCertificate struct {
	Record Certificate
	P12    []byte
}

// IssueCertificate signs a certificate for the member's PC and packs it with
// a fresh key into a PKCS#12 file. It uses up one allowance (or renews the
// member's current, still valid certificate) in the same transaction, so the
// file can be obtained once. The key exists only in the returned file.
func (db *DB) IssueCertificate(memberID string, req CertificateRequest, validity time.Duration, remote string) (IssuedCertificate, error) {
	if req.SharedPC != "" {
		req.Device = req.SharedPC
	}
	if err := req.Validate(); err != nil {
		return IssuedCertificate{}, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return IssuedCertificate{}, err
	}
	var out IssuedCertificate
	err = db.Update(func(tx *Tx) error {
		m, err := memberTx(tx, memberID)
		if err != nil {
			return err
		}
		if !m.Active() {
			return Errorf(EFORBIDDEN, "このアカウントは現在利用できません")
		}
		action := AuditCertIssue
		if req.Renew != "" {
			// A renewal replaces the certificate of this PC once, in its
			// last 30 days: it is no way to more certificates.
			cur, err := certificateTx(tx, req.Renew)
			if err != nil || cur.MemberID != memberID || !cur.ExpiresSoon(tx.Now) {
				return Errorf(EFORBIDDEN, "更新できる証明書がありません（更新は有効期限の30日前から、使用中の証明書で行えます）")
			}
			if next := renewalOfTx(tx, cur); next != "" {
				return Errorf(EFORBIDDEN, "この証明書はすでに更新されています。更新後の証明書ファイルを取り込んでください。紛失した場合は、申請フォームから証明書の再発行を申請してください。")
			}
			action = AuditCertRenew
		} else if req.SharedPC != "" {
			if !useSharedPCGrantTx(&m, req.SharedPC) {
				return Errorf(EFORBIDDEN, "共用PC「%s」の証明書は許可されていないか、すでに発行されています。", req.SharedPC)
			}
			req.Device = req.SharedPC
			if err := putMemberTx(tx, m); err != nil {
				return err
			}
		} else {
			if m.CertAllowance <= 0 {
				return Errorf(EFORBIDDEN, "証明書を発行できる回数が残っていません。別のPCで利用するには、申請フォームから証明書の再発行を申請してください。")
			}
			m.CertAllowance--
			if err := putMemberTx(tx, m); err != nil {
				return err
			}
		}
		ca, err := clientCATx(tx)
		if err != nil {
			return err
		}
		cert, err := IssueClientCert(ca.Cert, ca.Key, &key.PublicKey, ClientSubject{MemberID: m.ID, Name: m.Name, Device: req.Device}, tx.Now, validity)
		if err != nil {
			return err
		}
		p12, err := EncodeClientPKCS12(key, cert, ca.Cert, req.Passphrase, req.Legacy)
		if err != nil {
			return err
		}
		rec := Certificate{Serial: ClientCertSerialHex(cert), MemberID: m.ID, Device: req.Device,
			IssuedAt: tx.Now, ExpiresAt: cert.NotAfter, RenewalOf: req.Renew, SharedPC: req.SharedPC != ""}
		if err := putCertificateTx(tx, rec); err != nil {
			return err
		}
		out = IssuedCertificate{Record: rec, P12: p12}
		if err := AppendAudit(tx, AuditEvent{Actor: m.ID, Action: action, Object: "cert:" + rec.Serial, Remote: remote,
			Detail: "device=" + req.Device + " expires=" + rec.ExpiresAt.Format(time.RFC3339) + renewalDetail(req.Renew) + sharedDetail(rec)}); err != nil {
			return err
		}
		// The file is handed out by the caller of this transaction and
		// never again: its download is part of the same record.
		encoding := "modern"
		if req.Legacy {
			encoding = "legacy"
		}
		return AppendAudit(tx, AuditEvent{Actor: m.ID, Action: AuditCertDownload, Object: "cert:" + rec.Serial, Remote: remote,
			Detail: "pkcs12 " + encoding})
	})
	return out, err
}

func sharedDetail(c Certificate) string {
	if c.SharedPC {
		return " shared-pc"
	}
	return ""
}

func renewalDetail(serial string) string {
	if serial == "" {
		return ""
	}
	return " renews=" + serial
}

// renewalOfTx is the serial of the certificate that renewed cur, or "".
func renewalOfTx(tx *Tx, cur Certificate) string {
	for _, c := range memberCertificatesTx(tx, cur.MemberID) {
		if c.RenewalOf == cur.Serial {
			return c.Serial
		}
	}
	return ""
}

// CertificateRenewedBy is the serial of the certificate that renewed the
// given one, or "" when it was not renewed.
func (db *DB) CertificateRenewedBy(serial string) (string, error) {
	var out string
	err := db.View(func(tx *Tx) error {
		cur, err := certificateTx(tx, serial)
		if err != nil {
			return err
		}
		out = renewalOfTx(tx, cur)
		return nil
	})
	return out, err
}

// RetireRenewedCertificate revokes the certificate that serial renewed, the
// first time the renewal is used to log in: one PC keeps one certificate. It
// reports whether it revoked one.
func (db *DB) RetireRenewedCertificate(serial, remote string) (bool, error) {
	var prev string
	err := db.View(func(tx *Tx) error {
		c, err := certificateTx(tx, serial)
		if err != nil || c.RenewalOf == "" {
			return err
		}
		if old, err := certificateTx(tx, c.RenewalOf); err == nil && !old.Revoked() {
			prev = old.Serial
		}
		return nil
	})
	if err != nil || prev == "" {
		return false, err
	}
	done := false
	err = db.Update(func(tx *Tx) error {
		c, err := certificateTx(tx, serial)
		if err != nil {
			return err
		}
		old, err := certificateTx(tx, prev)
		if err != nil || old.Revoked() || old.MemberID != c.MemberID {
			return err
		}
		old.RevokedAt, old.RevokedBy = tx.Now, c.MemberID
		if err := putCertificateTx(tx, old); err != nil {
			return err
		}
		done = true
		return AppendAudit(tx, AuditEvent{Actor: c.MemberID, Action: AuditCertRevoke, Object: "cert:" + old.Serial, Remote: remote,
			Detail: "renewed by " + c.Serial})
	})
	return done, err
}

func putCertificateTx(tx *Tx, c Certificate) error {
	// Bumped before commit: a reader may reload once too often, never miss
	// a revocation.
	tx.db.certGen.Add(1)
	tx.OnCommit(func() { tx.db.certGen.Add(1) })
	if err := putJSON(tx.bucket(bucketCertificates), []byte(c.Serial), c); err != nil {
		return err
	}
	return tx.bucket(bucketCertificatesByMember).Put(indexKey(c.MemberID, c.Serial), nil)
}

func certificateTx(tx *Tx, serial string) (Certificate, error) {
	var c Certificate
	found, err := getJSON(tx.bucket(bucketCertificates), []byte(serial), &c)
	if err == nil && !found {
		err = NotFound()
	}
	return c, err
}

// Certificate finds a certificate record by serial (hex).
func (db *DB) Certificate(serial string) (Certificate, error) {
	var c Certificate
	err := db.View(func(tx *Tx) error {
		var err error
		c, err = certificateTx(tx, serial)
		return err
	})
	return c, err
}

// MemberCertificates lists a member's certificates, newest first.
func (db *DB) MemberCertificates(memberID string) ([]Certificate, error) {
	var out []Certificate
	err := db.View(func(tx *Tx) error {
		out = memberCertificatesTx(tx, memberID)
		return nil
	})
	return out, err
}

func memberCertificatesTx(tx *Tx, memberID string) []Certificate {
	var out []Certificate
	prefix := append(indexKey(memberID), 0)
	c := tx.bucket(bucketCertificatesByMember).Cursor()
	for k, _ := c.Seek(prefix); k != nil && hasPrefix(k, prefix); k, _ = c.Next() {
		if cert, err := certificateTx(tx, string(k[len(prefix):])); err == nil {
			out = append(out, cert)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].IssuedAt.After(out[j].IssuedAt) })
	return out
}

// RevokeCertificate revokes a certificate. The member may revoke their own;
// operators any. It takes effect on the next request.
func (db *DB) RevokeCertificate(serial, actor string, actorIsOperator bool, remote string) error {
	return db.Update(func(tx *Tx) error {
		c, err := certificateTx(tx, serial)
		if err != nil {
			return err
		}
		if c.MemberID != actor && !actorIsOperator {
			return NotFound()
		}
		if c.Revoked() {
			return Errorf(ECONFLICT, "この証明書はすでに失効しています")
		}
		c.RevokedAt, c.RevokedBy = tx.Now, actor
		if err := putCertificateTx(tx, c); err != nil {
			return err
		}
		return AppendAudit(tx, AuditEvent{Actor: actor, Action: AuditCertRevoke, Object: "cert:" + serial, Remote: remote, Detail: c.MemberID})
	})
}

// revokeMemberCertificatesTx revokes every live certificate of a member
// (withdrawal).
func revokeMemberCertificatesTx(tx *Tx, memberID, actor string) error {
	for _, c := range memberCertificatesTx(tx, memberID) {
		if c.Revoked() {
			continue
		}
		c.RevokedAt, c.RevokedBy = tx.Now, actor
		if err := putCertificateTx(tx, c); err != nil {
			return err
		}
	}
	return nil
}

// TouchCertificate records the last use of a certificate; callers limit how
// often (it is a write).
func (db *DB) TouchCertificate(serial string, at time.Time) error {
	return db.Batch(func(tx *Tx) error {
		c, err := certificateTx(tx, serial)
		if err != nil {
			return err
		}
		c.LastUsedAt = at
		return putCertificateTx(tx, c)
	})
}

// GrantCertificateReissue allows the member one more certificate (for a new
// PC), audited as the operator.
func (db *DB) GrantCertificateReissue(memberID, operator, remote string) error {
	return db.Update(func(tx *Tx) error {
		m, err := memberTx(tx, memberID)
		if err != nil {
			return err
		}
		if !m.Active() {
			return Errorf(ECONFLICT, "この会員は%sのため、証明書の再発行を許可できません", m.Status.Label())
		}
		return grantReissueTx(tx, memberID, operator, remote)
	})
}

func grantReissueTx(tx *Tx, memberID, operator, remote string) error {
	m, err := memberTx(tx, memberID)
	if err != nil {
		return err
	}
	m.CertAllowance++
	if err := putMemberTx(tx, m); err != nil {
		return err
	}
	return AppendAudit(tx, AuditEvent{Actor: operator, Action: AuditCertGrantReissue, Object: "member:" + memberID, Remote: remote})
}

// ParseSerialHex accepts a serial as stored (lower-case hex).
func ParseSerialHex(s string) (string, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" || len(s) > 40 {
		return "", false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f') {
			return "", false
		}
	}
	return s, true
}
