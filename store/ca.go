package store

import (
	"crypto/ecdsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"sort"
	"strings"
	"time"
)

var bucketCA = []byte("ca")

// serverCertValidity is short so renewal is routine, not an event.
const serverCertValidity = 90 * 24 * time.Hour

// storedKeyPair is a certificate and its private key in the ca bucket.
type storedKeyPair struct {
	Cert  []byte    `json:"cert"` // DER
	Key   []byte    `json:"key"`  // PKCS#8 DER
	Hosts []string  `json:"hosts,omitempty"`
	Made  time.Time `json:"made"`
}

// KeyPair is a parsed certificate with its key.
type KeyPair struct {
	Cert *x509.Certificate
	Key  *ecdsa.PrivateKey
}

func (p storedKeyPair) parse() (KeyPair, error) {
	cert, err := x509.ParseCertificate(p.Cert)
	if err != nil {
		return KeyPair{}, err
	}
	k, err := x509.ParsePKCS8PrivateKey(p.Key)
	if err != nil {
		return KeyPair{}, err
	}
	key, ok := k.(*ecdsa.PrivateKey)
	if !ok {
		return KeyPair{}, fmt.Errorf("unexpected key type %T", k)
	}
	return KeyPair{Cert: cert, Key: key}, nil
}

func storeKeyPair(der []byte, key *ecdsa.PrivateKey, hosts []string, now time.Time) (storedKeyPair, error) {
	kd, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return storedKeyPair{}, err
	}
	return storedKeyPair{Cert: der, Key: kd, Hosts: hosts, Made: now}, nil
}

// normaliseHosts is localhost plus the configured names, sorted, unique.
func normaliseHosts(hosts []string) []string {
	set := map[string]bool{"localhost": true}
	for _, h := range hosts {
		h = strings.ToLower(strings.TrimSpace(h))
		if h != "" {
			set[h] = true
		}
	}
	out := make([]string, 0, len(set))
	for h := range set {
		out = append(out, h)
	}
	sort.Strings(out)
	return out
}

// ServerCA returns the server CA, creating it (or a new one, when the host
// names outgrew its name constraints) as needed.
func (db *DB) ServerCA(hosts []string) (KeyPair, error) {
	hosts = normaliseHosts(hosts)
	var kp KeyPair
	err := db.Update(func(tx *Tx) error {
		var err error
		kp, err = serverCATx(tx, hosts)
		return err
	})
	return kp, err
}

func serverCATx(tx *Tx, hosts []string) (KeyPair, error) {
	b := tx.bucket(bucketCA)
	var sp storedKeyPair
	found, err := getJSON(b, []byte("server_ca"), &sp)
	if err != nil {
		return KeyPair{}, err
	}
	if found {
		kp, err := sp.parse()
		if err != nil {
			return KeyPair{}, err
		}
		if coversAll(sp.Hosts, hosts) && tx.Now.Before(kp.Cert.NotAfter.Add(-365*24*time.Hour)) {
			return kp, nil
		}
	}
	der, key, err := NewServerCA(hosts, tx.Now)
	if err != nil {
		return KeyPair{}, err
	}
	sp, err = storeKeyPair(der, key, hosts, tx.Now)
	if err != nil {
		return KeyPair{}, err
	}
	if err := putJSON(b, []byte("server_ca"), sp); err != nil {
		return KeyPair{}, err
	}
	// The old server certificate was signed by the old CA.
	if err := b.Delete([]byte("server_cert")); err != nil {
		return KeyPair{}, err
	}
	if err := AppendAudit(tx, AuditEvent{Actor: "system", Action: AuditCAServerCreate, Object: "ca:server", Detail: strings.Join(hosts, " ")}); err != nil {
		return KeyPair{}, err
	}
	return sp.parse()
}

func coversAll(have, want []string) bool {
	set := map[string]bool{}
	for _, h := range have {
		set[h] = true
	}
	for _, w := range want {
		if !set[w] {
			return false
		}
	}
	return true
}

// ServerCertificate returns the server's TLS certificate for hosts, issuing
// a new one when none exists, it does not cover the hosts, or it is due for
// renewal.
func (db *DB) ServerCertificate(hosts []string) (tls.Certificate, error) {
	hosts = normaliseHosts(hosts)
	var out tls.Certificate
	check := func(tx *Tx) (bool, error) {
		var sp storedKeyPair
		found, err := getJSON(tx.bucket(bucketCA), []byte("server_cert"), &sp)
		if err != nil || !found {
			return false, err
		}
		kp, err := sp.parse()
		if err != nil {
			return false, err
		}
		if ServerCertNeedsRenewal(kp.Cert, tx.Now) || !ServerCertCovers(kp.Cert, hosts) {
			return false, nil
		}
		var caPair storedKeyPair
		if _, err := getJSON(tx.bucket(bucketCA), []byte("server_ca"), &caPair); err != nil {
			return false, err
		}
		out = tls.Certificate{Certificate: [][]byte{sp.Cert, caPair.Cert}, PrivateKey: kp.Key, Leaf: kp.Cert}
		return true, nil
	}
	var ok bool
	err := db.View(func(tx *Tx) error {
		var err error
		ok, err = check(tx)
		return err
	})
	if err != nil || ok {
		return out, err
	}
	err = db.Update(func(tx *Tx) error {
		if ok, err := check(tx); err != nil || ok {
			return err
		}
		ca, err := serverCATx(tx, hosts)
		if err != nil {
			return err
		}
		cert, err := IssueServerCert(ca.Cert, ca.Key, hosts, tx.Now, serverCertValidity)
		if err != nil {
			return err
		}
		sp, err := storeKeyPair(cert.Certificate[0], cert.PrivateKey.(*ecdsa.PrivateKey), hosts, tx.Now)
		if err != nil {
			return err
		}
		if err := putJSON(tx.bucket(bucketCA), []byte("server_cert"), sp); err != nil {
			return err
		}
		out = tls.Certificate{Certificate: [][]byte{sp.Cert, ca.Cert.Raw}, PrivateKey: cert.PrivateKey, Leaf: cert.Leaf}
		if out.Leaf == nil {
			out.Leaf, _ = x509.ParseCertificate(sp.Cert)
		}
		return AppendAudit(tx, AuditEvent{Actor: "system", Action: AuditCAServerIssue, Object: "cert:server", Detail: strings.Join(hosts, " ")})
	})
	return out, err
}

// ServerCAPEM is the server CA certificate, for clients that trust it.
func (db *DB) ServerCAPEM() ([]byte, error) {
	var out []byte
	err := db.View(func(tx *Tx) error {
		var sp storedKeyPair
		found, err := getJSON(tx.bucket(bucketCA), []byte("server_ca"), &sp)
		if err != nil {
			return err
		}
		if !found {
			return NotFound()
		}
		out = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: sp.Cert})
		return nil
	})
	return out, err
}

// ClientCA returns the CA that signs members' certificates, creating it on
// first use.
func (db *DB) ClientCA() (KeyPair, error) {
	var kp KeyPair
	err := db.Update(func(tx *Tx) error {
		var err error
		kp, err = clientCATx(tx)
		return err
	})
	return kp, err
}

func clientCATx(tx *Tx) (KeyPair, error) {
	b := tx.bucket(bucketCA)
	var sp storedKeyPair
	found, err := getJSON(b, []byte("client_ca"), &sp)
	if err != nil {
		return KeyPair{}, err
	}
	if found {
		return sp.parse()
	}
	der, key, err := NewClientCA(tx.Now)
	if err != nil {
		return KeyPair{}, err
	}
	sp, err = storeKeyPair(der, key, nil, tx.Now)
	if err != nil {
		return KeyPair{}, err
	}
	if err := putJSON(b, []byte("client_ca"), sp); err != nil {
		return KeyPair{}, err
	}
	if err := AppendAudit(tx, AuditEvent{Actor: "system", Action: AuditCAClientCreate, Object: "ca:client"}); err != nil {
		return KeyPair{}, err
	}
	return sp.parse()
}
