package drugs_test

import (
	"bytes"
	"testing"

	"hotline/handlers/handlertest"
	"hotline/store"
)

// FuzzDrugImportPost sends arbitrary bodies to the operator's upload:
// never a 5xx; an accepted body (303) is a list the store took whole; a
// refused one leaves the master in force as it was.
func FuzzDrugImportPost(f *testing.F) {
	env := newEnv(f, "off")
	op := env.LoginOperator(f)
	handlertest.ImportDrugList(f, env.DB)
	multipart := func(name string, data []byte) []byte {
		var b bytes.Buffer
		b.WriteString("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + name + "\"\r\nContent-Type: application/octet-stream\r\n\r\n")
		b.Write(data)
		b.WriteString("\r\n--b--\r\n")
		return b.Bytes()
	}
	list := handlertest.DrugCSV(handlertest.DrugRows(handlertest.DrugListHeader, handlertest.DrugList))
	book := handlertest.DrugXLSX(f, "内用薬", "表題", handlertest.DrugRows(handlertest.DrugListHeader, handlertest.DrugList))
	f.Add(uint8(1), multipart("mhlw-yakka-20250716.csv", list))
	f.Add(uint8(1), multipart("list.csv", list[:len(list)/2]))
	f.Add(uint8(1), multipart("list.xlsx", book[:len(book)-100]))
	f.Add(uint8(1), multipart("x.png", []byte("\x89PNG\r\n\x1a\n")))
	f.Add(uint8(1), []byte("--b\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n区分\r\n--b--\r\n"))
	f.Add(uint8(1), []byte("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\"\r\n\r\n\r\n--b--\r\n"))
	f.Add(uint8(0), []byte("file=x.csv"))
	f.Add(uint8(2), []byte(`{"file":"x"}`))
	f.Fuzz(func(t *testing.T, ct uint8, body []byte) {
		before := drugState(t, env.DB)
		st, err := env.DB.DrugMasterState()
		if err != nil {
			t.Fatal(err)
		}
		status, location, ok := handlertest.FuzzPost(env, op, "/admin/drugs", ct, body)
		if !ok {
			return
		}
		switch {
		case status >= 500:
			t.Fatalf("status %d for %q", status, body)
		case status == 303 && location == "/admin/drugs?done=drugs-imported":
			after, err := env.DB.DrugMasterState()
			if err != nil || !after.Loaded || after.Current.Total == 0 {
				t.Fatalf("accepted but no master: %+v %v", after, err)
			}
			if after.Current.Version != st.Current.Version {
				// Put the small list back for the next input.
				if _, err := env.DB.ImportDrugs(drugFiles(handlertest.File{Name: handlertest.DrugListCSVName, Data: list}), store.DrugImportOptions{Actor: "system"}); err != nil {
					t.Fatal(err)
				}
			}
		case status != 422 && status != 413 && status != 409:
			t.Fatalf("status %d for %q", status, body)
		default:
			if after := drugState(t, env.DB); after != before {
				t.Fatalf("refused (%d) but the master changed: %q", status, body)
			}
		}
	})
}
