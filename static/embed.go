// Package static holds the files served under /static and the font used in
// printed documents, embedded so the binary carries everything it needs.
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"path"
	"strings"
)

// Files are served under /static/ with a content hash in their names.
//
//go:embed css js img fonts/IPA_Font_License_Agreement_v1.0.txt fonts/DejaVu_Fonts_License.txt
var Files embed.FS

// IPAexGothic is the IPAex Gothic TrueType font (IPA Font License v1.0,
// fonts/IPA_Font_License_Agreement_v1.0.txt) embedded in every PDF.
//
//go:embed fonts/ipaexg.ttf
var IPAexGothic []byte

// DejaVuSansMono is DejaVu Sans Mono (Bitstream Vera licence,
// fonts/DejaVu_Fonts_License.txt): the fixed-width face for passwords and
// codes printed to be typed in, where IPAex Gothic's Latin letters are
// proportional.
//
//go:embed fonts/DejaVuSansMono.ttf
var DejaVuSansMono []byte

var (
	hashed = map[string]string{} // "css/app.css" -> "/static/css/app.3f2a9c1b.css"
	byURL  = map[string]string{} // "/static/css/app.3f2a9c1b.css" -> "css/app.css"
)

func init() {
	_ = fs.WalkDir(Files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := Files.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		ext := path.Ext(p)
		url := "/static/" + strings.TrimSuffix(p, ext) + "." + hex.EncodeToString(sum[:5]) + ext
		hashed[p] = url
		byURL[url] = p
		return nil
	})
}

// Path is the cache-busted URL of an embedded file, e.g. Path("css/app.css").
// A name that does not exist panics at first render, which tests catch.
func Path(name string) string {
	u, ok := hashed[name]
	if !ok {
		panic("static: no file " + name)
	}
	return u
}

// Lookup maps a cache-busted URL back to the embedded file name.
func Lookup(url string) (string, bool) {
	name, ok := byURL[url]
	return name, ok
}
