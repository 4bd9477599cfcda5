#!/usr/bin/env python3
"""Writes fuzz/seeds/sheet_xlsx/small.xlsx: a minimal workbook with shared
and inline strings, a date style and a gap in the cells (for
fuzz_sheet_xlsx). Run from the repository root."""
import zipfile

parts = {
    "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
    "xl/workbook.xml": '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><workbookPr/><sheets><sheet name="A" sheetId="1" r:id="rId1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels": '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Target="worksheets/sheet1.xml" Type="x"/></Relationships>',
    "xl/styles.xml": '<styleSheet><numFmts><numFmt numFmtId="164" formatCode="dd.mm.yyyy"/></numFmts><cellXfs><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/></cellXfs></styleSheet>',
    "xl/sharedStrings.xml": '<sst><si><t>Tür</t></si><si><r><t>Seri</t></r><r><t xml:space="preserve"> No</t></r></si><si><t>Tarih</t></si></sst>',
    "xl/worksheets/sheet1.xml": '<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="D1" t="s"><v>2</v></c></row><row r="3"><c r="A3" t="inlineStr"><is><t>pc</t></is></c><c r="B3"><v>123</v></c><c r="D3" s="1"><v>45678</v></c><c r="E3" t="b"><v>1</v></c></row></sheetData></worksheet>',
}
with zipfile.ZipFile("fuzz/seeds/sheet_xlsx/small.xlsx", "w", zipfile.ZIP_DEFLATED) as z:
    for name, text in parts.items():
        z.writestr(name, text)
