package store

import (
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"strings"
)

// randomBytes reads n bytes from the system's CSPRNG; crypto/rand never
// fails on supported platforms.
func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

var token32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// RandomToken is an unguessable URL-safe token (160 bits, lower-case base32).
func RandomToken() string {
	return strings.ToLower(token32.EncodeToString(randomBytes(20)))
}

// sequenceID formats a bucket sequence as a public identifier such as
// H000123 (members) or F000045 (facilities).
func sequenceID(prefix string, seq uint64) string {
	return fmt.Sprintf("%s%06d", prefix, seq)
}
