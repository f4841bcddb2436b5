import type * as ast from "../syntax/ast.js";
import type { CheckContext } from "./context.js";
import type { CheckedAction } from "./model.js";
import { didYouMean } from "../diag/did-you-mean.js";
import { errorConditions, errorTypes } from "../vocab/error-conditions.js";
import { builtinChains } from "../vocab/chains.js";
import { literalString, renderExpression } from "./values.js";
import { validateJid } from "./jids.js";
import { useSymbol } from "./symbols.js";
import { validateInjectXml } from "./inject-xml.js";
import { requireUserMarks } from "./conditions.js";

const logLevels = ["debug", "info", "warn", "error"];

/** Translates one action to its mod_firewall form; undefined after errors. */
export function translateAction(ctx: CheckContext, action: ast.Action, chainPfwName: (name: string) => string | undefined): CheckedAction | undefined {
  const out = (name: string, argument?: string): CheckedAction => ({ name, argument, span: action.span });
  switch (action.kind) {
    case "bare-action":
      return out({ pass: "PASS", drop: "DROP", default: "DEFAULT", return: "RETURN", unsubscribe_sender: "UNSUBSCRIBE SENDER" }[action.verb]);
    case "bounce": {
      if (!action.condition) {
        if (action.errorType || action.text) ctx.report("SFW206", action.span, { name: "bounce", expected: "an error condition before a type or text, e.g. bounce policy-violation \"…\"" });
        return out("BOUNCE");
      }
      const cond = action.condition.text;
      if (!errorConditions.has(cond)) {
        const s = didYouMean(cond, [...errorConditions.keys()]);
        ctx.report("SFW217", action.condition.span, { name: cond }, { hint: s ? `did you mean '${s}'?` : "see RFC 6120 §8.3.3 for the defined conditions" });
        return undefined;
      }
      let arg = cond;
      if (action.errorType) {
        const t = action.errorType.text;
        if (!(errorTypes as readonly string[]).includes(t)) {
          const s = didYouMean(t, errorTypes);
          ctx.report("SFW201", action.errorType.span, { what: "error type", name: t }, { hint: s ? `did you mean '${s}'?` : `error types: ${errorTypes.join(", ")}` });
          return undefined;
        }
        if (t !== errorConditions.get(cond)) arg += `:${t}`;
      }
      if (action.text && action.text.value.length > 0) {
        const text = literalString(ctx, action.text, "bounce text", false);
        if (!text) return undefined;
        arg += ` (${text.text})`;
      }
      return out("BOUNCE", arg);
    }
    case "redirect":
    case "copy":
    case "forward": {
      const jid = literalString(ctx, action.target, `${action.kind}`);
      if (!jid || !validateJid(ctx, jid.text, jid.span, "any", "destination")) return undefined;
      return out(action.kind.toUpperCase(), jid.text);
    }
    case "reply": {
      const text = literalString(ctx, action.text, "reply text");
      if (!text) return undefined;
      return out("REPLY", text.text);
    }
    case "log": {
      let level = "info";
      if (action.level) {
        if (!logLevels.includes(action.level.text)) {
          const s = didYouMean(action.level.text, logLevels);
          ctx.report("SFW201", action.level.span, { what: "log level", name: action.level.text }, { hint: s ? `did you mean '${s}'?` : `levels: ${logLevels.join(", ")}` });
          return undefined;
        }
        level = action.level.text;
      }
      const message = renderExpression(ctx, action.message);
      if (!message) return undefined;
      if (message.text.length === 0) {
        ctx.report("SFW213", action.message.span, { why: "it is empty" });
        return undefined;
      }
      // The level is always written, so a message starting with "[word]" is not taken for a level.
      return out("LOG", `[${level}] ${message.text}`);
    }
    case "strip": {
      let name: string;
      if (action.element.kind === "star") name = "*";
      else {
        const s = literalString(ctx, action.element, "strip's element name");
        if (!s) return undefined;
        if (/\s/.test(s.text)) {
          ctx.report("SFW203", s.span, { message: "an element name cannot contain whitespace" });
          return undefined;
        }
        name = s.text;
      }
      if (!action.namespace) return out("STRIP", name);
      const ns = literalString(ctx, action.namespace, "strip's namespace");
      if (!ns) return undefined;
      return out("STRIP", `${name} ${ns.text}`);
    }
    case "inject": {
      if (action.xml.kind !== "prefixed" || action.xml.prefix !== "xml") {
        ctx.report("SFW203", action.xml.span, { message: "inject takes an element written xml\"<name xmlns='…'/>\"" });
        return undefined;
      }
      const xml = action.xml.value;
      if (!validateInjectXml(ctx, xml, action.xml.valueSpan)) return undefined;
      return out("INJECT", xml);
    }
    case "mark": {
      if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(action.mark.text)) {
        ctx.report("SFW205", action.mark.span, { name: action.mark.text, what: "mark", why: "mark names start with a letter and contain only letters, digits and '_'" });
        return undefined;
      }
      if (action.scope === "user") requireUserMarks(ctx, action.span);
      return out(`${action.unmark ? "UNMARK" : "MARK"} ${action.scope.toUpperCase()}`, action.mark.text);
    }
    case "add": {
      // The value is checked even when the list is unknown: both mistakes show in one run.
      const list = useSymbol(ctx, action.list, "list");
      const value = renderExpression(ctx, action.value);
      if (!list || !value) return undefined;
      if (list.backend === "http" || list.backend === "pubsub") {
        ctx.report("SFW203", action.list.span, { message: `adding to ${list.backend} list '${list.name}' does nothing in mod_firewall` });
        return undefined;
      }
      return out("ADD TO", `${list.name} ${value.text}`);
    }
    case "jump": {
      const target = chainPfwName(action.chain.text);
      if (target === undefined) {
        const s = didYouMean(action.chain.text, [...ctx.chains.keys(), ...builtinChains]);
        ctx.report("SFW201", action.chain.span, { what: "chain", name: action.chain.text }, s ? { hint: `did you mean '${s}'?` } : {});
        return undefined;
      }
      return out("JUMP CHAIN", target);
    }
    case "event": {
      const name = literalString(ctx, action.event, action.jump ? "jump_event" : "event");
      if (!name) return undefined;
      if (/\s/.test(name.text)) {
        ctx.report("SFW203", name.span, { message: "an event name cannot contain whitespace" });
        return undefined;
      }
      return out(action.jump ? "JUMP EVENT" : "EVENT", name.text);
    }
    case "ruledep": {
      const dep = literalString(ctx, action.dependency, "ruledep");
      return dep && out("RULEDEP", dep.text);
    }
    case "report": {
      const jid = literalString(ctx, action.target, "report_to");
      if (!jid || !validateJid(ctx, jid.text, jid.span, "any", "destination")) return undefined;
      let arg = jid.text;
      if (action.reason) arg += ` ${action.reason.text}`;
      if (action.text) {
        const text = literalString(ctx, action.text, "report text");
        if (!text) return undefined;
        arg += ` ${text.text}`;
      }
      return out("REPORT TO", arg);
    }
    case "tag-trace":
      return out("TAG TRACE", action.tag.text);
  }
}
