package store

import (
	"encoding/json"
	"testing"
	"time"
)

func TestReferralRowCodec(t *testing.T) {
	sent := time.Date(2026, 12, 3, 1, 2, 3, 456789000, time.UTC)
	rows := []ReferralRow{
		{ID: "L000001", Seq: 1, Status: ReferralUnread, PatientID: "P1", PatientName: "山田 太郎", FromFacility: "やまだ内科", FromMember: "山田 一郎",
			ToFacility: "東京病院", Diagnosis: "高血圧症", Date: sent},
		{ID: "L123456", Seq: 123456, Status: ReferralReplied, PatientID: "P2", PatientName: "", Date: sent, ReadAt: sent.Add(time.Hour),
			RepliedAt: sent.Add(48 * time.Hour), Corrects: "L000001", CorrectedBy: "L999999", ToMember: "佐藤 花子"},
	}
	for _, want := range rows {
		v := encodeReferralRow(want)
		got, err := decodeReferralRow(v)
		if err != nil {
			t.Fatalf("%s: %v", want.ID, err)
		}
		if got != want {
			t.Errorf("round trip:\n got %+v\nwant %+v", got, want)
		}
		// Rows written as JSON before the binary form are still read.
		js, _ := json.Marshal(want)
		old, err := decodeReferralRow(js)
		if err != nil || !old.Date.Equal(want.Date) || old.PatientName != want.PatientName || old.Status != want.Status {
			t.Errorf("JSON row: %+v, %v", old, err)
		}
		// A cut or padded row is an error, not a row with fields missing.
		for _, bad := range [][]byte{v[:len(v)-1], v[:len(v)/2], append(v[:len(v):len(v)], 0)} {
			if _, err := decodeReferralRow(bad); err == nil {
				t.Errorf("%s: damaged row %x decoded", want.ID, bad)
			}
		}
	}
}

func TestPatientJSONName(t *testing.T) {
	for _, name := range []string{"山田 太郎", "", `引用"符`, `back\slash`, "<&>", "改\n行", "\u2028", "ｶﾀｶﾅ"} {
		p := Patient{ID: "P00000000001", FacilityOID: "F000001", Seq: 7, Status: "active", Version: 3, Name: name, NameKana: "name"}
		js, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := patientJSONName(js); got != name {
			t.Errorf("%q: got %q from %s", name, got, js)
		}
	}
	if got := patientJSONName([]byte(`{"name":"最初","id":"x"}`)); got != "最初" {
		t.Errorf("name first: %q", got)
	}
}
