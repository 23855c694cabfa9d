#!/bin/sh
# Fake card engine for `ippeveprinter -c` (started by cetak_ipp::sim::SimPrinter).
# "Prints" the document in $1 into $CARD_PRINTER_DIR/out/<job-name>__<job-uuid>.<ext>
# (job name with characters outside [A-Za-z0-9._-] replaced by "_"; the uuid keeps two
# printings of one job name apart, even across printer restarts that reuse job ids).
# Faults are read from $CARD_PRINTER_DIR/fault when the job starts:
#   none | jam | cover | slow SECONDS
# Reports progress to ippeveprinter on stderr (STATE:/ATTR:/ERROR: lines).
D=${CARD_PRINTER_DIR:?CARD_PRINTER_DIR must be set}
fault=$(cat "$D/fault" 2>/dev/null || echo none)
name=$(printf '%s' "${IPP_JOB_NAME:-untitled}" | tr -c 'A-Za-z0-9._-' '_')
uuid=${IPP_JOB_UUID#urn:uuid:}
ext=${1##*.}
echo "INFO: printing card $IPP_JOB_NAME ($CONTENT_TYPE) fault=$fault" >&2
echo "ATTR: job-impressions=1" >&2
# feed.log: the physical order in which cards left the hopper (the tests' ledger reads it).
case "$fault" in
  jam)
    echo "jam ${IPP_JOB_NAME:-untitled}" >> "$D/feed.log"
    sleep 0.3
    echo "STATE: +media-jam" >&2
    echo "ERROR: card jammed in transport" >&2
    exit 1;;
  cover)
    echo "STATE: +cover-open" >&2
    echo "ERROR: cover open" >&2
    exit 1;;
  slow*)
    echo "fed ${IPP_JOB_NAME:-untitled}" >> "$D/feed.log"
    secs=${fault#slow}
    sleep ${secs:-30};;
  *)
    echo "fed ${IPP_JOB_NAME:-untitled}" >> "$D/feed.log"
    sleep 0.5;;
esac
echo "STATE: -media-jam,cover-open" >&2
tmp="$D/out/.printing-$$"
cp "$1" "$tmp" && mv "$tmp" "$D/out/${name}__${uuid:-job$IPP_JOB_ID}.${ext}" || exit 1
echo "ATTR: job-impressions-completed=1" >&2
exit 0
