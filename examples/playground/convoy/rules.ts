import { defineRules } from "./_generated/server.js";

/**
 * Who may change what (docs/rules.md). Everyone reads every message; a message is sent as
 * oneself; only its owner edits or deletes it; anyone signed in may like it — a like changes
 * the like count and nothing else, and nobody can hand a message to another owner.
 */
export default defineRules({
  messages: {
    insert: async ({ auth }, doc) => doc.owner !== undefined && doc.owner === (await auth.getUserIdentity())?.subject,
    update: async ({ auth }, oldDoc, newDoc) => {
      const caller = (await auth.getUserIdentity())?.subject;
      if (caller === undefined || oldDoc.owner !== newDoc.owner) return false;
      if (oldDoc.owner === caller) return true;
      return oldDoc.body === newDoc.body && oldDoc.author === newDoc.author && newDoc.likes === oldDoc.likes + 1;
    },
    delete: async ({ auth }, doc) => doc.owner !== undefined && doc.owner === (await auth.getUserIdentity())?.subject,
  },
});
