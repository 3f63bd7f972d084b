package vtiger

import (
	"context"
	"encoding/base64"
	"fmt"
	"maps"
	"net/url"
	"strings"
)

// RetrieveFiles returns the files of an attachment id (files_retrieve), e.g. "15x22".
func (c *Client) RetrieveFiles(ctx context.Context, attachmentID string) ([]File, error) {
	return fetch(ctx, c, request{op: "files_retrieve", params: url.Values{"id": {attachmentID}}, id: attachmentID}, decodeFiles)
}

// CreateDocument creates a Documents record with an attached file (multipart create,
// file part "filename", filelocationtype "I").
//
// filelocationtype defaults to "I" and filestatus to "1" when element lacks
// them; element itself is not modified.
func (c *Client) CreateDocument(ctx context.Context, element map[string]any, fileName, mimeType string, content []byte) (Record, error) {
	if fileName == "" {
		return nil, fmt.Errorf("vtiger create: %w: empty file name", ErrInvalidQuery)
	}
	el := maps.Clone(element)
	if el == nil {
		el = map[string]any{}
	}
	for k, v := range map[string]any{"filelocationtype": "I", "filestatus": "1", "filename": fileName} {
		if _, ok := el[k]; !ok {
			el[k] = v
		}
	}
	enc, err := encodeElement(el)
	if err != nil {
		return nil, fmt.Errorf("vtiger create: encoding element: %w", err)
	}
	return fetch(ctx, c, request{
		op:     "create",
		params: url.Values{"elementType": {"Documents"}, "element": {enc}},
		// Documents::save_module reads $_FILES['filename'].
		file: &filePart{field: "filename", name: fileName, mime: mimeType, content: content},
	}, decodeRecord)
}

// decodeBase64 accepts padded or unpadded standard base64, with or without
// line breaks.
func decodeBase64(s string) ([]byte, error) {
	if strings.ContainsAny(s, "\r\n ") {
		s = strings.NewReplacer("\r", "", "\n", "", " ", "").Replace(s)
	}
	if b, err := base64.StdEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	return base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
}
