package pdf

import (
	"fmt"
	"time"
)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// samplePrescription has every box filled: two 公費, an uneven dose, a
// 一般名 line, 変更不可 and 患者希望 lines, a refill and a 残薬 choice.
func samplePrescription() Prescription {
	return Prescription{
		PublicPayer:     [2]string{"54136015", "12137013"},
		PublicRecipient: [2]string{"1234566", "7654321"},
		InsurerNumber:   "06139014",
		InsuredSymbol:   "12-345",
		InsuredNumber:   "6789",
		InsuredBranch:   "01",
		Dependent:       true,
		CopayPercent:    30,
		PatientName:     "髙﨑 花子",
		PatientKana:     "タカサキ ハナコ",
		BirthDate:       day(1958, 4, 1),
		Sex:             Female,
		FacilityAddress: "東京都千代田区神田駿河台2丁目5番地",
		FacilityPostal:  "101-0062",
		FacilityName:    "医療法人社団すこやか会 髙﨑内科クリニック",
		FacilityPhone:   "03-1234-5678",
		Prefecture:      "13",
		ScoreTable:      "1",
		FacilityCode:    "1234567",
		DoctorName:      "髙﨑 太郎",
		DoctorKana:      "タカサキ タロウ",
		IssuedOn:        day(2026, 12, 3),
		ValidUntil:      day(2026, 12, 9),
		RPs: []RP{
			{Form: Internal, Usage: "1日3回毎食後", TimesPerDay: 3, Days: 14, Lines: []RPLine{
				{CodeType: 3, Code: "1149019F1560", Name: "ロキソニン錠６０ｍｇ", Amount: "3", Unit: "錠", NoChange: true},
				{CodeType: 3, Code: "2149039F1031", Name: "ニューロタン錠２５ｍｇ", Amount: "4", Unit: "錠", PatientWish: true, Uneven: []string{"2", "1", "1"}},
			}},
			{Form: AsNeeded, Usage: "疼痛時", Times: 5, Lines: []RPLine{
				{CodeType: 3, Code: "1149019F1013", Name: "ロキソプロフェンナトリウム６０ｍｇ錠", Generic: true,
					GenericName: "ロキソプロフェンナトリウム錠６０ｍｇ", GenericCode: "1149019F1ZZZ", Amount: "1", Unit: "錠"},
			}},
			{Form: External, Usage: "1日2回 患部に塗布", Lines: []RPLine{
				{CodeType: 3, Code: "2649700X1013", Name: "塩化亜鉛", Amount: "10", Unit: "g"},
			}},
		},
		Refills:   3,
		Remarks:   "一包化\n腎機能低下あり（eGFR 45）",
		Leftover:  LeftoverInquire,
		Reference: "K7MP-Q2WX-9ZRT-B3CD",
	}
}

// longPrescription has n drugs in RPs of two.
func longPrescription(n int) Prescription {
	p := samplePrescription()
	p.RPs = nil
	for i := 0; i < n; i += 2 {
		rp := RP{Form: Internal, Usage: "1日2回朝夕食後", TimesPerDay: 2, Days: 28}
		for j := i; j < min(i+2, n); j++ {
			rp.Lines = append(rp.Lines, RPLine{CodeType: 3, Code: fmt.Sprintf("2149039F%04d", j),
				Name: fmt.Sprintf("ロサルタンカリウム錠２５ｍｇ「第%d製薬」", j+1), Amount: "1", Unit: "錠", NoChange: j%3 == 0})
		}
		p.RPs = append(p.RPs, rp)
	}
	return p
}
