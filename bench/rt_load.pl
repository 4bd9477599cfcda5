#!/usr/bin/perl
# Loads tickets into Request Tracker 5 through RT's own Perl API
# (RT::Ticket->Create, the same code path REST2 and the web UI use),
# committing in batches so SQLite does not sync once per ticket. Scrips
# (RT's create-time automation: auto-reply and notification mails) are
# off while loading, which makes RT::Ticket->Create about five times
# faster; the benchmark's measured creates go through REST2 with them on.
#
#   RT_SITE_CONFIG=... RT_SITE_CONFIG_DIR=... \
#     perl bench/rt_load.pl SECONDS < tickets.tsv
#
# Input: one ticket per line, "queue\tstatus\tsubject\tbody" (no tabs or
# newlines inside a field). Queues are created on first use. Stops at the
# end of input or when SECONDS have passed, and prints the number of
# tickets created and the seconds taken; "progress N SECONDS" lines go to
# stderr every thousand tickets.
use strict;
use warnings;
use lib '/usr/share/request-tracker5/lib', '/usr/local/share/request-tracker5/lib';
use Time::HiRes qw(time);
use Encode qw(decode);
use RT;
use RT::Interface::CLI qw(Init);

my $budget = shift // 600;
my $batch  = 200;

RT::LoadConfig();
RT::Init();

my $user = RT::CurrentUser->new( RT->SystemUser );
$user->Load('root') or die "no root user\n";

my %queue;
sub queue_id {
    my ($name) = @_;
    return $queue{$name} if $queue{$name};
    my $q = RT::Queue->new( RT->SystemUser );
    $q->Load($name);
    unless ( $q->Id ) {
        my ( $id, $msg ) = $q->Create( Name => $name );
        die "queue $name: $msg\n" unless $id;
    }
    return $queue{$name} = $q->Id;
}

# Queues first (outside the timed loop); the names are passed as extra args.
queue_id($_) for @ARGV;

{
    no warnings 'redefine';
    my $create = \&RT::Transaction::Create;
    *RT::Transaction::Create = sub {
        my $self = shift;
        return $create->( $self, @_, ActivateScrips => 0 );
    };
}

my $start = time;
my $n     = 0;
binmode STDIN, ':raw';
$RT::Handle->BeginTransaction;
while ( my $line = <STDIN> ) {
    chomp $line;
    my ( $qname, $status, $subject, $body ) =
        map { decode( 'UTF-8', $_ ) } split /\t/, $line, 4;
    next unless defined $body;
    my $mime = MIME::Entity->build(
        Type     => 'text/plain',
        Charset  => 'UTF-8',
        Data     => [ Encode::encode( 'UTF-8', $body ) ],
        Encoding => '8bit',
    );
    my $t = RT::Ticket->new($user);
    my ( $id, undef, $msg ) = $t->Create(
        Queue   => queue_id($qname),
        Subject => $subject,
        Status  => $status,
        MIMEObj => $mime,
    );
    die "create failed: $msg\n" unless $id;
    $n++;
    if ( $n % $batch == 0 ) {
        $RT::Handle->Commit;
        printf STDERR "progress %d %.2f\n", $n, time - $start if $n % 1000 == 0;
        last if time - $start >= $budget;
        $RT::Handle->BeginTransaction;
    }
}
$RT::Handle->Commit if $RT::Handle->TransactionDepth;
printf "%d %.1f\n", $n, time - $start;
