package pdf

import "errors"

// JAHIS is the prescription as the text of the JAHIS 院外処方箋2次元シンボル
// (記録条件規約 Ver.1.10): Shift_JIS, one record a line ending in CRLF,
// the version line JAHIS10 first.
func JAHIS(p Prescription) ([]byte, error) {
	return nil, errors.New("pdf: JAHIS: not yet implemented")
}
