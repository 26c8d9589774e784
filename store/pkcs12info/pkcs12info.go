// Package pkcs12info reads which algorithms protect a PKCS#12 file (RFC
// 7292): the encryption of the key bag, of the certificates, and the MAC.
// It decrypts nothing; tests use it to tell the encodings apart without an
// external tool.
package pkcs12info

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
)

// Object identifiers, and the names Info reports for them.
var (
	oidData                 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidEncryptedData        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 6}
	oidShroudedKeyBag       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 2}
	oidCertBag              = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 3}
	oidPBES2                = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	oidPBKDF2               = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}
	oidHMACWithSHA1         = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 7}
	oidHMACWithSHA256       = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 9}
	oidPBEWithSHA1And3DES   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 3}
	oidPBEWithSHA1And40RC2  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 6}
	oidPBEWithSHA1And128RC2 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 5}
	oidAES128CBC            = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 2}
	oidAES256CBC            = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}
	oidSHA1                 = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	oidSHA256               = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
)

var names = map[string]string{
	oidPBEWithSHA1And3DES.String():   "pbeWithSHA1And3-KeyTripleDES-CBC",
	oidPBEWithSHA1And40RC2.String():  "pbeWithSHA1And40BitRC2-CBC",
	oidPBEWithSHA1And128RC2.String(): "pbeWithSHA1And128BitRC2-CBC",
	oidPBKDF2.String():               "PBKDF2",
	oidHMACWithSHA1.String():         "hmacWithSHA1",
	oidHMACWithSHA256.String():       "hmacWithSHA256",
	oidAES128CBC.String():            "AES-128-CBC",
	oidAES256CBC.String():            "AES-256-CBC",
	oidSHA1.String():                 "SHA-1",
	oidSHA256.String():               "SHA-256",
}

func name(oid asn1.ObjectIdentifier) string {
	if n, ok := names[oid.String()]; ok {
		return n
	}
	return oid.String()
}

// Info is what protects the parts of a file. An algorithm is given as
// OpenSSL names it in `openssl pkcs12 -info`: "PBES2, PBKDF2, AES-256-CBC"
// with "PRF hmacWithSHA256", or e.g. "pbeWithSHA1And3-KeyTripleDES-CBC".
type Info struct {
	Key   []string // one per shrouded key bag
	Certs []string // one per encrypted content (holding the certificate bags)
	// CertBagsInClear counts certificate bags outside any encryption.
	CertBagsInClear int
	MAC             string // the MAC's digest, "" without a MAC
	MACIterations   int
}

type pfx struct {
	Version  int
	AuthSafe contentInfo
	MacData  macData `asn1:"optional"`
}

type contentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"tag:0,explicit,optional"`
}

type macData struct {
	Mac        digestInfo
	MacSalt    []byte
	Iterations int `asn1:"optional,default:1"`
}

type digestInfo struct {
	Algorithm pkix.AlgorithmIdentifier
	Digest    []byte
}

type encryptedData struct {
	Version              int
	EncryptedContentInfo encryptedContentInfo
}

type encryptedContentInfo struct {
	ContentType                asn1.ObjectIdentifier
	ContentEncryptionAlgorithm pkix.AlgorithmIdentifier
	EncryptedContent           asn1.RawValue `asn1:"tag:0,optional"`
}

type safeBag struct {
	ID         asn1.ObjectIdentifier
	Value      asn1.RawValue `asn1:"tag:0,explicit"`
	Attributes asn1.RawValue `asn1:"optional"`
}

type encryptedPrivateKeyInfo struct {
	Algorithm     pkix.AlgorithmIdentifier
	EncryptedData []byte
}

type pbes2Params struct {
	KeyDerivationFunc pkix.AlgorithmIdentifier
	EncryptionScheme  pkix.AlgorithmIdentifier
}

type pbkdf2Params struct {
	Salt       asn1.RawValue
	Iterations int
	KeyLength  int                      `asn1:"optional"`
	PRF        pkix.AlgorithmIdentifier `asn1:"optional"`
}

// unmarshal decodes der into v and refuses trailing bytes.
func unmarshal(der []byte, v any) error {
	rest, err := asn1.Unmarshal(der, v)
	if err == nil && len(rest) > 0 {
		err = errors.New("trailing data")
	}
	return err
}

// Read reports the algorithms of a PKCS#12 file.
func Read(p12 []byte) (Info, error) {
	var info Info
	var p pfx
	if err := unmarshal(p12, &p); err != nil {
		return info, fmt.Errorf("pfx: %w", err)
	}
	if !p.AuthSafe.ContentType.Equal(oidData) {
		return info, fmt.Errorf("authSafe is %v, want data", p.AuthSafe.ContentType)
	}
	var safe []byte
	if err := unmarshal(p.AuthSafe.Content.Bytes, &safe); err != nil {
		return info, fmt.Errorf("authSafe: %w", err)
	}
	var contents []contentInfo
	if err := unmarshal(safe, &contents); err != nil {
		return info, fmt.Errorf("authenticated safe: %w", err)
	}
	for _, ci := range contents {
		switch {
		case ci.ContentType.Equal(oidData):
			var bags []byte
			if err := unmarshal(ci.Content.Bytes, &bags); err != nil {
				return info, fmt.Errorf("data: %w", err)
			}
			if err := info.readBags(bags); err != nil {
				return info, err
			}
		case ci.ContentType.Equal(oidEncryptedData):
			var ed encryptedData
			if err := unmarshal(ci.Content.Bytes, &ed); err != nil {
				return info, fmt.Errorf("encryptedData: %w", err)
			}
			alg, err := describe(ed.EncryptedContentInfo.ContentEncryptionAlgorithm)
			if err != nil {
				return info, err
			}
			info.Certs = append(info.Certs, alg)
		default:
			return info, fmt.Errorf("content type %v", ci.ContentType)
		}
	}
	if len(p.MacData.Mac.Digest) > 0 {
		info.MAC = name(p.MacData.Mac.Algorithm.Algorithm)
		info.MACIterations = p.MacData.Iterations
	}
	return info, nil
}

// readBags notes the shrouded key bags and the certificate bags in clear.
func (info *Info) readBags(der []byte) error {
	var bags []safeBag
	if err := unmarshal(der, &bags); err != nil {
		return fmt.Errorf("safe contents: %w", err)
	}
	for _, b := range bags {
		switch {
		case b.ID.Equal(oidShroudedKeyBag):
			var k encryptedPrivateKeyInfo
			if err := unmarshal(b.Value.Bytes, &k); err != nil {
				return fmt.Errorf("shrouded key bag: %w", err)
			}
			alg, err := describe(k.Algorithm)
			if err != nil {
				return err
			}
			info.Key = append(info.Key, alg)
		case b.ID.Equal(oidCertBag):
			info.CertBagsInClear++
		}
	}
	return nil
}

// describe names an encryption algorithm, with PBES2's parts spelled out.
func describe(alg pkix.AlgorithmIdentifier) (string, error) {
	if !alg.Algorithm.Equal(oidPBES2) {
		return name(alg.Algorithm), nil
	}
	var params pbes2Params
	if err := unmarshal(alg.Parameters.FullBytes, &params); err != nil {
		return "", fmt.Errorf("PBES2 parameters: %w", err)
	}
	out := "PBES2, " + name(params.KeyDerivationFunc.Algorithm) + ", " + name(params.EncryptionScheme.Algorithm)
	if params.KeyDerivationFunc.Algorithm.Equal(oidPBKDF2) {
		var kdf pbkdf2Params
		if err := unmarshal(params.KeyDerivationFunc.Parameters.FullBytes, &kdf); err != nil {
			return "", fmt.Errorf("PBKDF2 parameters: %w", err)
		}
		prf := oidHMACWithSHA1 // the default of RFC 8018
		if len(kdf.PRF.Algorithm) > 0 {
			prf = kdf.PRF.Algorithm
		}
		out += ", PRF " + name(prf)
	}
	return out, nil
}
