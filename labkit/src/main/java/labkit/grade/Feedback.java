package labkit.grade;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * {@code feedback/<student>.html}: the executed notebook with each graded cell's score and message, self-contained
 * (pictures inline after checking they are base64 PNGs, HTML outputs escaped into sandboxed frames without
 * scripts, every other text escaped). Test cells show their student-visible source only: hidden
 * tests appear as {@value Markers#HIDDEN_NOTE}, and traceback lines quoting source are left out.
 */
public final class Feedback {
    private static final Pattern ANSI = Pattern.compile("\u001b\\[[0-9;?]*[A-Za-z]");

    private Feedback() {}

    /** The HTML page. */
    public static String html(GradeResult result, Assignment assignment, Restorer.Restored restored,
                              Executor.Execution run) {
        Map<Integer, CellResult> byIndex = new HashMap<>();
        Map<String, CellResult> byId = new HashMap<>();
        result.cells().forEach(c -> byId.put(c.gradeId(), c));
        restored.roles().forEach((i, id) -> byIndex.put(i, byId.get(id)));
        StringBuilder b = new StringBuilder();
        b.append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>")
                .append(esc(assignment.name() + " — " + result.student())).append("</title>\n<style>")
                .append("body{font-family:sans-serif;max-width:60em;margin:2em auto;color:#222}")
                .append(".cell{border-left:4px solid #ddd;margin:1em 0;padding:.2em .8em}")
                .append(".passed{border-color:#2a2}.partial{border-color:#e90}.failed,.bad{border-color:#c22}")
                .append("pre{background:#f6f6f6;padding:.5em;overflow-x:auto;white-space:pre-wrap}")
                .append(".err{background:#fee}.score{font-weight:bold}.md{white-space:pre-wrap}")
                .append("iframe{width:100%;border:1px solid #eee;min-height:6em}</style></head><body>\n");
        b.append("<h1>").append(esc(assignment.name())).append(" — ").append(esc(result.student())).append("</h1>\n");
        b.append("<p class=\"score\">").append(Gradebook.number(result.points())).append(" / ")
                .append(Gradebook.number(result.maxPoints())).append(" points · status ").append(esc(result.status()))
                .append("</p>\n");
        if (!result.message().isEmpty()) {
            b.append("<p>").append(esc(result.message())).append("</p>\n");
        }
        if (!result.notes().isEmpty()) {
            b.append("<ul>");
            result.notes().forEach(n -> b.append("<li>").append(esc(n)).append("</li>"));
            b.append("</ul>\n");
        }
        List<JsonObject> cells = Ipynb.cells(run.notebook());
        for (int i = 0; i < cells.size(); i++) {
            JsonObject cell = cells.get(i);
            CellResult r = byIndex.get(i);
            boolean test = r != null && r.kind().equals("test");
            String css = r == null ? "" : test ? (r.status().equals("passed") ? "passed"
                    : r.status().equals("partial") ? "partial" : "failed") : "";
            b.append("<div class=\"cell ").append(css).append("\">");
            if (r != null) {
                b.append("<p class=\"score\">").append(esc(r.gradeId())).append(" (").append(esc(r.kind())).append(")");
                if (test) {
                    b.append(": ").append(Gradebook.number(r.points())).append(" / ").append(Gradebook.number(r.maxPoints()));
                }
                b.append(" — ").append(esc(r.status()));
                if (!r.message().isEmpty()) {
                    b.append(": ").append(esc(r.message()));
                }
                b.append("</p>");
            }
            String source = Ipynb.source(cell);
            if (test) {
                source = Markers.noteHidden(source, r.gradeId());
            }
            if (Ipynb.type(cell).equals("code")) {
                b.append("<pre>").append(esc(source)).append("</pre>");
                if (cell.has("outputs")) {
                    for (JsonObject o : mergeStreams(cell)) {
                        output(b, o, test);
                    }
                }
            } else {
                b.append("<div class=\"md\">").append(esc(source)).append("</div>");
            }
            b.append("</div>\n");
        }
        b.append("<p><small>graded ").append(esc(result.gradedAt())).append(" by labkit ").append(esc(result.labkitVersion()))
                .append(" on JDK ").append(esc(result.jdk())).append("; submission SHA-256 ").append(esc(result.sha256()))
                .append("</small></p>\n</body></html>\n");
        return b.toString();
    }

    /** Consecutive stream outputs of the same name as one (the kernel splits printed lines). */
    private static List<JsonObject> mergeStreams(JsonObject cell) {
        List<JsonObject> merged = new java.util.ArrayList<>();
        for (JsonElement e : cell.getAsJsonArray("outputs")) {
            JsonObject o = e.getAsJsonObject();
            JsonObject last = merged.isEmpty() ? null : merged.get(merged.size() - 1);
            if (last != null && "stream".equals(str(o, "output_type")) && "stream".equals(str(last, "output_type"))
                    && str(o, "name").equals(str(last, "name"))) {
                last.addProperty("text", Scorer.textOf(last.get("text")) + Scorer.textOf(o.get("text")));
            } else {
                merged.add(o.deepCopy());
            }
        }
        return merged;
    }

    private static String str(JsonObject o, String key) {
        return o.has(key) && o.get(key).isJsonPrimitive() ? o.get(key).getAsString() : "";
    }

    private static void output(StringBuilder b, JsonObject o, boolean test) {
        String type = o.has("output_type") ? o.get("output_type").getAsString() : "";
        switch (type) {
            case "stream" -> {
                String text = Scorer.textOf(o.get("text"));
                b.append("<pre").append("stderr".equals(str(o, "name")) ? " class=\"err\"" : "").append('>')
                        .append(esc(ANSI.matcher(text).replaceAll(""))).append("</pre>");
            }
            case "error" -> {
                StringBuilder t = new StringBuilder();
                if (o.has("traceback")) {
                    for (JsonElement l : o.getAsJsonArray("traceback")) {
                        for (String line : ANSI.matcher(l.getAsString()).replaceAll("").split("\n")) {
                            if (test && line.strip().startsWith("|")) {
                                continue; // quotes source, possibly of hidden tests
                            }
                            t.append(line).append('\n');
                        }
                    }
                }
                b.append("<pre class=\"err\">").append(esc(t.toString())).append("</pre>");
            }
            case "execute_result", "display_data" -> {
                JsonObject data = o.has("data") ? o.getAsJsonObject("data") : new JsonObject();
                String png = data.has("image/png") ? png(Scorer.textOf(data.get("image/png"))) : null;
                if (png != null) {
                    b.append("<img alt=\"output\" src=\"data:image/png;base64,").append(png).append("\">");
                } else if (data.has("image/png")) {
                    b.append("<pre class=\"err\">[labkit grader: an image output was left out: not a base64 PNG]</pre>");
                } else if (data.has("text/html")) {
                    b.append("<iframe sandbox srcdoc=\"").append(esc(Scorer.textOf(data.get("text/html"))))
                            .append("\"></iframe>");
                } else if (data.has("text/plain")) {
                    b.append("<pre>").append(esc(Scorer.textOf(data.get("text/plain")))).append("</pre>");
                }
            }
            default -> { }
        }
    }

    /** The base64 text of a PNG output without whitespace when it decodes to a PNG, else null. */
    static String png(String base64) {
        String t = base64.replaceAll("\\s", "");
        try {
            byte[] bytes = java.util.Base64.getDecoder().decode(t);
            boolean isPng = bytes.length > 8 && (bytes[0] & 0xff) == 0x89 && bytes[1] == 'P' && bytes[2] == 'N'
                    && bytes[3] == 'G';
            return isPng && t.matches("[A-Za-z0-9+/]*={0,2}") ? t : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Text escaped for HTML element content and quoted attribute values. */
    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;")
                .replace("'", "&#39;");
    }
}
