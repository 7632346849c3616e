// The body of the Windows snapshot script (AWS-RunPowerShellScript): the same walk, token policy,
// masking and document as the POSIX script, with System.Net.Http (Windows PowerShell 5.1 or
// PowerShell 7). script.ts puts the parameters in front. Kept as a raw string: no `${` and no
// backticks (PowerShell's escape character) may appear in it; newlines are written as [char]10.

export const POWERSHELL_SNAPSHOT = String.raw`
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
if (-not $ImdsxEndpoint) {
  if ($env:AWS_EC2_METADATA_SERVICE_ENDPOINT) { $ImdsxEndpoint = $env:AWS_EC2_METADATA_SERVICE_ENDPOINT }
  elseif ($env:AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE -eq 'IPv6') { $ImdsxEndpoint = 'http://[fd00:ec2::254]' }
  else { $ImdsxEndpoint = 'http://169.254.169.254' }
}
$ImdsxEndpoint = $ImdsxEndpoint.TrimEnd('/')
Get-ChildItem -Path $env:TEMP -Filter 'imds-explorer-*.b64' -ErrorAction SilentlyContinue |
  Where-Object { $_.LastWriteTime -lt (Get-Date).AddMinutes(-30) } | Remove-Item -ErrorAction SilentlyContinue

Add-Type -AssemblyName System.Net.Http
$Handler = New-Object System.Net.Http.HttpClientHandler
$Handler.UseProxy = $false
$Handler.AllowAutoRedirect = $false
$Http = New-Object System.Net.Http.HttpClient($Handler)
$Http.Timeout = [System.Threading.Timeout]::InfiniteTimeSpan
$State = @{ Token = $null; RefreshAt = [DateTime]::MinValue; Mode = 'unknown'; Requests = 0; TokenRequests = 0 }
$Mask = '****************'
$SecretField = '("(?:SecretAccessKey|Token|SessionToken)"\s*:\s*)"(?:[^"\\]|\\.)*"'
$Utf8Strict = New-Object System.Text.UTF8Encoding($false, $true)

# One HTTP exchange: Status 0 with Fail set when no answer came.
function Invoke-ImdsExchange([string]$Method, [string]$Path, [hashtable]$Headers, [int]$TimeoutMs) {
  $State.Requests++
  if ($Method -eq 'PUT') { $State.TokenRequests++ }
  $request = New-Object System.Net.Http.HttpRequestMessage((New-Object System.Net.Http.HttpMethod($Method)), ($ImdsxEndpoint + $Path))
  foreach ($name in $Headers.Keys) { [void]$request.Headers.TryAddWithoutValidation($name, [string]$Headers[$name]) }
  if ($Method -eq 'PUT') { $request.Content = New-Object System.Net.Http.ByteArrayContent(,[byte[]]@()) }
  $cancel = New-Object System.Threading.CancellationTokenSource($TimeoutMs)
  try {
    $response = $Http.SendAsync($request, $cancel.Token).GetAwaiter().GetResult()
    $body = $response.Content.ReadAsByteArrayAsync().GetAwaiter().GetResult()
    $values = $null
    $ttl = $null
    if ($response.Headers.TryGetValues('X-aws-ec2-metadata-token-ttl-seconds', [ref]$values)) { $ttl = @($values)[0] }
    return @{ Status = [int]$response.StatusCode; Body = $body; Fail = ''; Ttl = $ttl }
  } catch {
    $inner = $_.Exception.GetBaseException()
    if ($cancel.IsCancellationRequested) { return @{ Status = 0; Body = $null; Fail = ('timeout:' + $TimeoutMs) } }
    if ($inner -is [System.Net.Sockets.SocketException]) {
      switch ([string]$inner.SocketErrorCode) {
        'ConnectionRefused' { return @{ Status = 0; Body = $null; Fail = 'unreachable:ECONNREFUSED' } }
        'ConnectionReset' { return @{ Status = 0; Body = $null; Fail = 'reset:ECONNRESET' } }
        'TimedOut' { return @{ Status = 0; Body = $null; Fail = 'connect-timeout:' + $TimeoutMs } }
        default { return @{ Status = 0; Body = $null; Fail = 'unreachable:' + [string]$inner.SocketErrorCode } }
      }
    }
    if ($inner -is [System.IO.IOException]) { return @{ Status = 0; Body = $null; Fail = 'reset:socket closed' } }
    return @{ Status = 0; Body = $null; Fail = 'unreachable:' + $inner.Message }
  } finally {
    $cancel.Dispose()
    $request.Dispose()
  }
}

# One logical request: 503, 429 and resets are retried 3 times with backoff.
function Send-Imds([string]$Method, [string]$Path, [hashtable]$Headers, [int]$TimeoutMs) {
  $attempt = 0
  while ($true) {
    $attempt++
    $result = Invoke-ImdsExchange $Method $Path $Headers $TimeoutMs
    $retry = ($result.Status -eq 503) -or ($result.Status -eq 429) -or ($result.Status -eq 0 -and $result.Fail.StartsWith('reset'))
    if ($retry -and $attempt -le 3) { Start-Sleep -Milliseconds ([int](100 * [Math]::Pow(2, $attempt - 1))); continue }
    $result.Attempts = $attempt
    return $result
  }
}

# The token to send ($null: IMDSv1), or Fail. Without Required, 403/404/405/timeout mean IMDSv1 here.
function Get-ImdsToken([bool]$Required) {
  if (-not $Required -and $State.Mode -eq 'v1') { return @{ Token = $null; Fail = '' } }
  if ($State.Token -and [DateTime]::UtcNow -lt $State.RefreshAt) { return @{ Token = $State.Token; Fail = '' } }
  $requested = [DateTime]::UtcNow
  $r = Send-Imds 'PUT' '/latest/api/token' @{ 'X-aws-ec2-metadata-token-ttl-seconds' = [string]$ImdsxTtl } 2000
  if ($r.Status -eq 200) {
    $value = [System.Text.Encoding]::UTF8.GetString($r.Body).Trim()
    if (-not $value -or $value -match '[\s\x00-\x1f]') { return @{ Token = $null; Fail = 'token-malformed' } }
    $ttl = $ImdsxTtl
    $granted = 0
    if ($r.Ttl -and [int]::TryParse([string]$r.Ttl, [ref]$granted) -and $granted -gt 0) { $ttl = [Math]::Min($granted, $ImdsxTtl) }
    $margin = [Math]::Min([Math]::Min(60, $ImdsxTtl / 10), $ttl / 2)
    $State.Token = $value
    $State.Mode = 'v2'
    $State.RefreshAt = $requested.AddSeconds($ttl - $margin)
    return @{ Token = $value; Fail = '' }
  }
  $timedOut = $r.Status -eq 0 -and $r.Fail.StartsWith('timeout')
  if (-not $Required -and ($timedOut -or $r.Status -eq 403 -or $r.Status -eq 404 -or $r.Status -eq 405)) {
    $State.Mode = 'v1'
    return @{ Token = $null; Fail = '' }
  }
  if ($timedOut) { return @{ Token = $null; Fail = 'token-timeout' } }
  if ($r.Status -eq 0) { return @{ Token = $null; Fail = ('token-' + $r.Fail + ':' + $r.Attempts) } }
  if ($r.Status -eq 404 -or $r.Status -eq 405) { return @{ Token = $null; Fail = ('token-refused:' + $r.Status) } }
  return @{ Token = $null; Fail = ('token-status:' + $r.Status + ':' + $r.Attempts) }
}

function Get-TokenHeaders($Token) {
  if ($Token) { return @{ 'X-aws-ec2-metadata-token' = $Token } }
  return @{}
}

# GET with the token policy: on 401 one fresh token and one more try.
function Read-Imds([string]$Path) {
  $t = Get-ImdsToken $false
  if ($t.Fail) { return @{ Status = 0; Fail = $t.Fail; Attempts = 1 } }
  $r = Send-Imds 'GET' $Path (Get-TokenHeaders $t.Token) 5000
  if ($r.Status -ne 401) { return $r }
  $first = $r.Attempts
  if ($State.Token -eq $t.Token) { $State.Token = $null }
  if ($State.Mode -eq 'v1') { $State.Mode = 'unknown' }
  $t2 = Get-ImdsToken $true
  if ($t2.Fail) { return @{ Status = 0; Fail = $t2.Fail; Attempts = 1 } }
  $r2 = Send-Imds 'GET' $Path (Get-TokenHeaders $t2.Token) 5000
  $r2.Attempts = $first + $r2.Attempts
  return $r2
}

# Child paths of a listing, read as leniently as the client reads it strictly.
function Get-ImdsChildren([string]$Parent, [byte[]]$Body) {
  $found = New-Object System.Collections.Generic.List[string]
  try { $text = $Utf8Strict.GetString($Body) } catch { return ,$found }
  if ($text.TrimStart().StartsWith('<')) { return ,$found }
  $segments = @($Parent.Split('/') | Where-Object { $_ -ne '' })
  $publicKeys = $segments.Count -ge 2 -and $segments[-1] -ceq 'public-keys' -and $segments[-2] -ceq 'meta-data'
  $seen = New-Object System.Collections.Generic.HashSet[string]
  foreach ($raw in $text.Split([char]10)) {
    $line = $raw
    if ($line.EndsWith([string][char]13)) { $line = $line.Substring(0, $line.Length - 1) }
    if ($line.Trim() -eq '' -or $line -match '[\x00-\x1f\x7f]') { continue }
    $isDir = $line.EndsWith('/')
    $name = $line
    if ($isDir) { $name = $line.Substring(0, $line.Length - 1) }
    if ($name -eq '' -or $name.Contains('/') -or $name -eq '.' -or $name -eq '..') { continue }
    if ($publicKeys -and $name -match '^(\d+)=') { $name = $Matches[1]; $isDir = $true }
    elseif ($segments.Count -eq 0 -or ($segments.Count -eq 1 -and $ImdsxRootDirs -ccontains $name)) { $isDir = $true }
    if (-not $seen.Add($name)) { continue }
    if ($isDir) { $found.Add($Parent + $name + '/') } else { $found.Add($Parent + $name) }
  }
  return ,$found
}

# Masks SecretAccessKey/Token of a credential document before it leaves the instance.
function Protect-ImdsSecret([string]$Path, [byte[]]$Body) {
  if ($ImdsxSecrets) { return ,$Body }
  $isSecret = $false
  foreach ($pattern in $ImdsxSecretPatterns) { if ($Path -cmatch $pattern) { $isSecret = $true } }
  if (-not $isSecret) { return ,$Body }
  $text = [System.Text.Encoding]::UTF8.GetString($Body)
  if (-not $text.Contains('{')) {
    if ($text.Trim() -eq '') { return ,$Body }
    return ,[System.Text.Encoding]::UTF8.GetBytes($Mask)
  }
  $masked = [regex]::Replace($text, $SecretField, { param($m) $m.Groups[1].Value + '"' + $Mask + '"' })
  return ,[System.Text.Encoding]::UTF8.GetBytes($masked)
}

function ConvertTo-Base64Text([string]$Text) { return [Convert]::ToBase64String([System.Text.Encoding]::UTF8.GetBytes($Text)) }

$Started = [System.Diagnostics.Stopwatch]::StartNew()
$Lines = New-Object System.Collections.Generic.List[string]
$Queue = New-Object System.Collections.Generic.Queue[string]
$SeenPaths = New-Object System.Collections.Generic.HashSet[string]
$Queue.Enqueue($ImdsxRoot)
[void]$SeenPaths.Add($ImdsxRoot)
while ($Queue.Count -gt 0) {
  $path = $Queue.Dequeue()
  $r = Read-Imds $path
  if ($r.Status -eq 0) { $Lines.Add('R 0 ' + $r.Attempts + ' e:' + (ConvertTo-Base64Text $r.Fail) + ' ' + $path); continue }
  if ($r.Status -ne 200) { $Lines.Add('R ' + $r.Status + ' ' + $r.Attempts + ' - ' + $path); continue }
  if ($path.EndsWith('/')) {
    $Lines.Add('R 200 ' + $r.Attempts + ' b:' + [Convert]::ToBase64String($r.Body) + ' ' + $path)
    foreach ($child in (Get-ImdsChildren $path $r.Body)) { if ($SeenPaths.Add($child)) { $Queue.Enqueue($child) } }
  } else {
    $Lines.Add('R 200 ' + $r.Attempts + ' b:' + [Convert]::ToBase64String((Protect-ImdsSecret $path $r.Body)) + ' ' + $path)
  }
}

$NL = [string][char]10
$Records = 'IMDSX-RECORDS 1' + $NL + 'P endpoint=' + $ImdsxEndpoint + ' root=' + $ImdsxRoot + $NL +
  'M tool=powershell mode=' + $State.Mode + ' requests=' + $State.Requests + ' token_requests=' + $State.TokenRequests +
  ' elapsed_ms=' + [int]$Started.ElapsedMilliseconds + $NL + ($Lines -join $NL) + $NL
$Raw = [System.Text.Encoding]::UTF8.GetBytes($Records)
$Buffer = New-Object System.IO.MemoryStream
$Gzip = New-Object System.IO.Compression.GZipStream($Buffer, [System.IO.Compression.CompressionMode]::Compress)
$Gzip.Write($Raw, 0, $Raw.Length)
$Gzip.Close()
$Doc = [Convert]::ToBase64String($Buffer.ToArray())
$Sha = [System.Security.Cryptography.SHA256]::Create()
$Hash = -join ($Sha.ComputeHash([System.Text.Encoding]::ASCII.GetBytes($Doc)) | ForEach-Object { $_.ToString('x2') })
$Parts = [Math]::Max(1, [int][Math]::Ceiling($Doc.Length / $ImdsxChunk))
if ($Parts -gt 1) { [System.IO.File]::WriteAllText((Join-Path $env:TEMP ('imds-explorer-' + $ImdsxId + '.b64')), $Doc) }
$First = $Doc.Substring(0, [Math]::Min($ImdsxChunk, $Doc.Length))
[Console]::Out.Write('IMDSX-SSM 1 part=1/' + $Parts + ' total=' + $Doc.Length + ' sha256=' + $Hash + ' id=' + $ImdsxId + $NL + $First + $NL + 'IMDSX-SSM-END' + $NL)
`;
