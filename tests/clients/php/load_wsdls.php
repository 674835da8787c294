<?php
/*
 * Loads the WSDL of each given service, at both API versions, into PHP's SoapClient.
 *
 * Usage: php load_wsdls.php BASE_URL SERVICE...
 *
 * Prints one line per document: "{version} {service} php={functions}".
 */

ini_set('soap.wsdl_cache_enabled', '0');
$base = $argv[1];
foreach (['v3', 'v3.1'] as $version) {
    foreach (array_slice($argv, 2) as $service) {
        $client = new SoapClient("$base/soap/$version/$service?wsdl", ['cache_wsdl' => WSDL_CACHE_NONE]);
        echo "$version $service php=", count($client->__getFunctions()), "\n";
    }
}
