package payments

import (
	"fmt"
	"strconv"
	"strings"
)

// zeroDecimal are the currencies Stripe takes in whole units
// (https://docs.stripe.com/currencies#zero-decimal).
var zeroDecimal = map[string]bool{
	"BIF": true, "CLP": true, "DJF": true, "GNF": true, "JPY": true, "KMF": true, "KRW": true,
	"MGA": true, "PYG": true, "RWF": true, "UGX": true, "VND": true, "VUV": true, "XAF": true,
	"XOF": true, "XPF": true,
}

// threeDecimal are the currencies Stripe counts in thousandths.
var threeDecimal = map[string]bool{"BHD": true, "JOD": true, "KWD": true, "OMR": true, "TND": true}

// MinorDigits is the number of decimal places of currency's minor unit as
// Stripe counts amounts.
func MinorDigits(currency string) int {
	c := strings.ToUpper(currency)
	switch {
	case zeroDecimal[c]:
		return 0
	case threeDecimal[c]:
		return 3
	default:
		return 2
	}
}

// ToMinor converts a decimal string as Vtiger stores money ("1234.50000000",
// "-3", "0.005") to integer minor units of currency, rounding half away
// from zero. It works on the digits, so 19.99 is 1999 and never 1998.
func ToMinor(amount, currency string) (int64, error) {
	s := strings.TrimSpace(amount)
	if s == "" {
		return 0, nil
	}
	neg := false
	switch s[0] {
	case '-':
		neg, s = true, s[1:]
	case '+':
		s = s[1:]
	}
	if s == "" || s == "." {
		return 0, fmt.Errorf("payments: %q is not a decimal amount", amount)
	}
	intPart, frac, _ := strings.Cut(s, ".")
	if intPart == "" {
		intPart = "0"
	}
	if !allDigits(intPart) || !allDigits(frac) {
		return 0, fmt.Errorf("payments: %q is not a decimal amount", amount)
	}
	digits := MinorDigits(currency)
	roundUp := false
	if len(frac) > digits {
		roundUp = frac[digits] >= '5'
		frac = frac[:digits]
	}
	frac += strings.Repeat("0", digits-len(frac))
	n, err := strconv.ParseInt(strings.TrimLeft(intPart+frac, "0")+"0", 10, 64)
	if err != nil || n/10 > (1<<53) {
		return 0, fmt.Errorf("payments: amount %q is out of range", amount)
	}
	n /= 10 // the appended "0" kept an all-zero string parseable
	if roundUp {
		n++
	}
	if neg {
		n = -n
	}
	return n, nil
}

// FormatMinor renders minor units as a decimal in major units: 1234 EUR
// is "12.34", 1234 JPY is "1234".
func FormatMinor(minor int64, currency string) string {
	digits := MinorDigits(currency)
	sign := ""
	if minor < 0 {
		sign, minor = "-", -minor
	}
	s := strconv.FormatInt(minor, 10)
	if digits == 0 {
		return sign + s
	}
	if len(s) <= digits {
		s = strings.Repeat("0", digits-len(s)+1) + s
	}
	return sign + s[:len(s)-digits] + "." + s[len(s)-digits:]
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
