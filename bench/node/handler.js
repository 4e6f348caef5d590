// The Node peer of switchboard's ingest, written the way the libraries'
// docs show: verify, parse, SendMessage, then answer.
const { verifyKey } = require('discord-interactions');
const { SQSClient, SendMessageCommand } = require('@aws-sdk/client-sqs');

const sqs = new SQSClient({}); // region, credentials and AWS_ENDPOINT_URL_SQS from the environment

exports.handler = async (event) => {
  const headers = {};
  for (const [name, value] of Object.entries(event.headers || {})) headers[name.toLowerCase()] = value;
  const body = event.isBase64Encoded ? Buffer.from(event.body || '', 'base64').toString() : event.body || '';
  const valid = await verifyKey(body, headers['x-signature-ed25519'], headers['x-signature-timestamp'], process.env.DISCORD_PUBLIC_KEY);
  if (!valid) return { statusCode: 401 };
  let payload;
  try {
    payload = JSON.parse(body);
  } catch {
    return { statusCode: 400 };
  }
  if (payload.type === 0) return { statusCode: 204, headers: { 'content-type': 'application/json' } };
  const eventType = (payload.event && payload.event.type) || '';
  await sqs.send(new SendMessageCommand({
    QueueUrl: process.env.QUEUE_URL,
    MessageBody: JSON.stringify({ source: 'discord', event_type: eventType, received_at: new Date().toISOString(), payload }),
    MessageAttributes: {
      source: { DataType: 'String', StringValue: 'discord' },
      event_type: { DataType: 'String', StringValue: eventType },
    },
  }));
  return { statusCode: 204 };
};
