<?php
/*
 * PHP's SoapClient with its `compression` option carrying a level: it then sends its
 * requests compressed (Content-Encoding: gzip, or deflate), as PHP's manual documents.
 *
 * Usage: php compressed.php BASE_URL USERNAME API_KEY TICKET_ID
 *
 * For gzip and for deflate, it adds an update to TICKET_ID with a non-ASCII entry and
 * reads the ticket back with an object mask; it checks in the request it sent (the
 * client's trace) that the body was compressed. Prints one JSON object on stdout.
 */

const NS = 'http://api.service.softlayer.com/soap/v3.1/';

ini_set('soap.wsdl_cache_enabled', '0');
ini_set('default_socket_timeout', '60');

[, $base, $username, $apiKey, $ticketId] = $argv;

function header_of(string $name, array $values): SoapHeader
{
    $object = new stdClass();
    foreach ($values as $k => $v) {
        $object->$k = $v;
    }
    return new SoapHeader(NS, $name, $object);
}

$out = [];
foreach (['gzip' => SOAP_COMPRESSION_GZIP, 'deflate' => SOAP_COMPRESSION_DEFLATE] as $name => $kind) {
    $client = new SoapClient("$base/soap/v3.1/SoftLayer_Ticket?wsdl", [
        'trace' => true,
        'exceptions' => true,
        'cache_wsdl' => WSDL_CACHE_NONE,
        'compression' => SOAP_COMPRESSION_ACCEPT | $kind | 5,
    ]);
    $headers = [
        header_of('authenticate', ['username' => $username, 'apiKey' => $apiKey]),
        header_of('SoftLayer_TicketInitParameters', ['id' => (int) $ticketId]),
    ];
    $update = new stdClass();
    $update->entry = "compressed with $name — déjà vu";
    $client->__soapCall('addUpdate', [$update], null, $headers);
    $sent = $client->__getLastRequestHeaders();
    $headers[] = header_of('SoftLayer_ObjectMask', ['mask' => 'mask[id,updates[id,entry]]']);
    $ticket = $client->__soapCall('getObject', [], null, $headers);
    $entries = array_map(fn($u) => $u->entry, $ticket->updates);
    $out[$name] = [
        'content_encoding' => preg_match('/^Content-Encoding:\s*(\S+)/mi', $sent, $m) ? $m[1] : null,
        'id' => $ticket->id,
        'last_entry' => end($entries),
    ];
}

echo json_encode($out, JSON_THROW_ON_ERROR | JSON_UNESCAPED_UNICODE), "\n";
